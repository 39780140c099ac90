import { describe, expect, it } from 'vitest'
import {
  applyProfiles, defaultConfig, getConfigValue, parseByteSize, parseConfig, parseDuration, redactConfig, setConfigValue
} from '../../repo/index.ts'

const identity = { PeerID: '12D3KooWtest', PrivKey: 'c2VjcmV0' }

describe('config', () => {
  it('uses Kubo\'s key names and local-first defaults', () => {
    const config = defaultConfig(identity)
    expect(getConfigValue(config, 'Addresses.API')).toBe('/ip4/127.0.0.1/tcp/5001')
    expect(getConfigValue(config, 'Addresses.Gateway')).toBe('/ip4/127.0.0.1/tcp/8080')
    expect(getConfigValue(config, 'Addresses.Swarm')).toEqual(['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'])
    expect(config.Bootstrap).toEqual([])
  })

  it('applies the test and import profiles', () => {
    const config = applyProfiles(defaultConfig(identity), ['test', 'unixfs-v1-2025'])
    expect(getConfigValue(config, 'Addresses.API')).toBe('/ip4/127.0.0.1/tcp/0')
    expect(getConfigValue(config, 'Addresses.Swarm')).toEqual(['/ip4/127.0.0.1/tcp/0'])
    expect(getConfigValue(config, 'Import.CidVersion')).toBe(1)
    expect(getConfigValue(config, 'Import.UnixFSChunker')).toBe('size-1048576')
    expect(getConfigValue(config, 'Import.UnixFSHAMTDirectorySizeEstimation')).toBe('block')
    const legacy = applyProfiles(defaultConfig(identity), ['legacy-cid-v0'])
    expect(getConfigValue(legacy, 'Import.UnixFSFileMaxLinks')).toBe(174)
    expect(() => applyProfiles(defaultConfig(identity), ['nope'])).toThrow(/unknown profile "nope"/)
  })

  it('refuses unknown keys, wrong types and identity keys', () => {
    const config = defaultConfig(identity)
    expect(() => setConfigValue(config, 'Adresses.API', 'x')).toThrow(expect.objectContaining({ name: 'UnknownConfigKeyError' }))
    expect(() => setConfigValue(config, 'Import.CidVersion', 'one')).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
    expect(() => setConfigValue(config, 'Identity.PrivKey', 'x')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    const next = setConfigValue(config, 'Import.CidVersion', 1)
    expect(getConfigValue(next, 'Import.CidVersion')).toBe(1)
    expect(getConfigValue(config, 'Import.CidVersion')).toBeUndefined()
    // keys inside free-form maps are allowed
    const headers = setConfigValue(config, 'API.HTTPHeaders.Access-Control-Allow-Origin', ['http://example.test'])
    expect(getConfigValue(headers, 'API.HTTPHeaders')).toEqual({ 'Access-Control-Allow-Origin': ['http://example.test'] })
  })

  it('never shows the private key', () => {
    const shown = redactConfig(defaultConfig(identity)) as { Identity: Record<string, unknown> }
    expect(shown.Identity.PrivKey).toBeUndefined()
    expect(shown.Identity.PeerID).toBe(identity.PeerID)
  })

  it('keeps unknown keys on load and rejects broken files', () => {
    const loaded = parseConfig(JSON.stringify({ ...defaultConfig(identity), Experimental: { X: true } }), 'config')
    expect((loaded as Record<string, unknown>).Experimental).toEqual({ X: true })
    expect(() => parseConfig('{', 'config')).toThrow(/not valid JSON/)
    expect(() => parseConfig('{}', 'config')).toThrow(/Identity/)
  })

  it('parses sizes and durations as Kubo writes them', () => {
    expect(parseByteSize('256KiB')).toBe(262144)
    expect(parseByteSize('10GB')).toBe(10e9)
    expect(parseByteSize(42)).toBe(42)
    expect(() => parseByteSize('lots')).toThrow(/byte size/)
    expect(parseDuration('5000ms')).toBe(5000)
    expect(parseDuration('1m30s')).toBe(90_000)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(() => parseDuration('5 parsecs')).toThrow(/duration/)
    expect(() => parseDuration('')).toThrow(/duration/)
  })
})
