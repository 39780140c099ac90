import { describe, expect, it } from 'vitest'
import {
  applyProfiles, DEFAULT_API_ADDR, DEFAULT_STORAGE_MAX, DEFAULT_UPLOAD_IDLE_TIMEOUT, defaultConfig, parseByteSize,
  parseConfig, parseDuration, readAddresses, readApi, readDatastore, readGateway, readImport, readIpns, readProvide,
  readRouting, readSwarm, setConfigValue, validateConfig, CONFIG_SCHEMA, type Config
} from '../../repo/index.ts'

const identity = { PeerID: '12D3KooWtest', PrivKey: 'c2VjcmV0' }

function invalid (key: string, reason: RegExp): unknown {
  return expect.objectContaining({ name: 'InvalidConfigError', message: expect.stringMatching(new RegExp(`${key.replace(/\./g, '\\.')}.*${reason.source}`)) })
}

describe('config section readers', () => {
  it('give typed values with their DEFAULT_* constants for an empty config', () => {
    const empty = {}
    expect(readAddresses(empty).API).toEqual({ multiaddr: DEFAULT_API_ADDR, host: '127.0.0.1', port: 5001 })
    expect(readAddresses(empty).Swarm).toEqual(['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'])
    expect(readApi(empty).UploadIdleTimeoutMs).toBe(parseDuration(DEFAULT_UPLOAD_IDLE_TIMEOUT))
    expect(readDatastore(empty).StorageMax).toBe(parseByteSize(DEFAULT_STORAGE_MAX))
    expect(readImport(empty)).toEqual({})
    expect(readGateway(empty)).toMatchObject({ NoFetch: false, DeserializedResponses: true, RootRedirect: '' })
    expect(readSwarm(empty)).toEqual({})
    expect(readRouting(empty).Type).toBe('auto')
    expect(readProvide(empty)).toMatchObject({ Enabled: true, Strategy: 'all' })
    expect(readIpns(empty).RecordLifetimeMs).toBe(48 * 3_600_000)
  })

  it('read what the config says', () => {
    const config = {
      Addresses: { API: '/ip6/::1/tcp/0' },
      API: { UploadIdleTimeout: '2s', HTTPHeaders: { 'X-A': 'b' } },
      Import: { CidVersion: 1, UnixFSChunker: 'rabin-16384-65536-131072', UnixFSHAMTDirectorySizeThreshold: '1KiB' }
    }
    expect(readAddresses(config).API).toEqual({ multiaddr: '/ip6/::1/tcp/0', host: '::1', port: 0 })
    expect(readApi(config)).toMatchObject({ UploadIdleTimeoutMs: 2000, HTTPHeaders: { 'X-A': ['b'] } })
    expect(readImport(config)).toEqual({ CidVersion: 1, UnixFSChunker: 'rabin-16384-65536-131072', UnixFSHAMTDirectorySizeThreshold: 1024 })
  })

  it('every key of the schema belongs to a section that has a reader', () => {
    const sections = new Set(Object.keys(CONFIG_SCHEMA).map(key => key.split('.')[0]))
    expect([...sections].sort()).toEqual(['API', 'Addresses', 'Bitswap', 'Bootstrap', 'Datastore', 'Gateway', 'HTTPRetrieval', 'Identity', 'Import', 'Ipns', 'Provide', 'Routing', 'Swarm'])
  })
})

describe('config set refuses values that would break later commands, with the reason', () => {
  const config = defaultConfig(identity)
  it.each([
    ['Import.CidVersion', 7, /0 to 1/],
    ['Import.UnixFSChunker', 'bogus', /size-<bytes>/],
    ['Datastore.StorageMax', 'lots', /byte size/],
    ['Addresses.API', 'notamultiaddr', /multiaddr/],
    ['Addresses.Gateway', '/ip4/999.1.1.1/tcp/80', /multiaddr/],
    ['Addresses.Swarm', ['nope'], /multiaddr/],
    ['Import.UnixFSHAMTDirectoryMaxFanout', 100, /power of two/],
    ['Routing.Type', 'carrier-pigeon', /one of/],
    ['Ipns.RecordLifetime', 'a while', /duration/],
    ['API.UploadIdleTimeout', '597 fortnights', /duration/]
  ])('%s = %j', (key, value, reason) => {
    expect(() => setConfigValue(config, key, value)).toThrow(invalid(key, reason) as Error)
  })

  it('accepts good values', () => {
    const next = setConfigValue(setConfigValue(config, 'Import.UnixFSChunker', 'size-1048576'), 'Datastore.StorageMax', '20GB')
    expect(readImport(next).UnixFSChunker).toBe('size-1048576')
    expect(readDatastore(next).StorageMax).toBe(20e9)
  })

  it('never reaches an object\'s prototype', () => {
    for (const key of ['API.HTTPHeaders.__proto__', 'API.HTTPHeaders.constructor', '__proto__', 'constructor', 'Import.toString']) {
      expect(() => setConfigValue(config, key, 'x')).toThrow(expect.objectContaining({ name: 'UnknownConfigKeyError' }) as Error)
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})

describe('profiles', () => {
  it('are looked up as own entries only', () => {
    for (const name of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
      expect(() => applyProfiles(defaultConfig(identity), [name])).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', message: expect.stringContaining(`unknown profile "${name}"`) }) as Error)
    }
  })
})

describe('a config file is checked whole when it is loaded', () => {
  it('names the key and the reason', () => {
    const bad = { ...defaultConfig(identity), Import: { CidVersion: 7 } }
    expect(() => parseConfig(JSON.stringify(bad), '/repo/config')).toThrow(invalid('Import.CidVersion', /0 to 1/) as Error)
    const worse = { ...defaultConfig(identity), Addresses: { API: 'notamultiaddr' } }
    expect(() => parseConfig(JSON.stringify(worse), '/repo/config')).toThrow(/\/repo\/config: config key Addresses\.API/)
  })

  it('accepts every profile\'s result, and keeps unknown keys', () => {
    const config: Config = applyProfiles(defaultConfig(identity), ['test', 'unixfs-v1-2025'])
    expect(() => { validateConfig(config) }).not.toThrow()
    const kept = parseConfig(JSON.stringify({ ...config, Experimental: { FilestoreEnabled: true } }), 'config')
    expect((kept as Record<string, unknown>).Experimental).toEqual({ FilestoreEnabled: true })
  })
})

describe('consumers', () => {
  it('read the config through the section readers, never by casting it', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const root = join(import.meta.dirname, '..', '..')
    const cast = /(\.config\b|\bconfig\.[A-Z]\w*)[^;\n]*\)?\s+as\s+[{A-Z]/
    const offenders: string[] = []
    for (const folder of ['core', 'http-api', 'daemon']) {
      for (const name of await readdir(join(root, folder), { recursive: true })) {
        if (!name.endsWith('.ts')) continue
        const lines = (await readFile(join(root, folder, name), 'utf8')).split('\n')
        lines.forEach((line, i) => { if (cast.test(line)) offenders.push(`${folder}/${name}:${i + 1}: ${line.trim()}`) })
      }
    }
    expect(offenders).toEqual([])
  })
})
