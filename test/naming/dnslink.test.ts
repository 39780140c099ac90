import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DnsLinkResolver, dnsLinkFromTxt, parseNsMap } from '../../naming/dnslink.ts'
import { GATEWAY_CONFORMANCE_FIXTURES } from '../helpers/fixtures.ts'

/** Reads the `domain:` / `path:` pairs of a fixture dnslink.yml (its shape is fixed: no YAML library needed). */
function parseDnsLinkYml (text: string): Array<{ domain: string, path: string }> {
  const entries: Array<{ domain: string, path: string }> = []
  let domain: string | undefined
  for (const line of text.split('\n')) {
    const m = /^\s+(domain|path):\s*(\S+)/.exec(line)
    if (m == null) continue
    if (m[1] === 'domain') domain = m[2]
    else if (domain != null) {
      entries.push({ domain, path: m[2] })
      domain = undefined
    }
  }
  return entries
}

async function findDnsLinkYmls (dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...await findDnsLinkYmls(join(dir, entry.name)))
    else if (entry.name === 'dnslink.yml') found.push(join(dir, entry.name))
  }
  return found
}

const noDns = async (): Promise<never> => { throw Object.assign(new Error('tests never ask DNS'), { code: 'ENOTFOUND' }) }

describe('DNSLink', () => {
  it('answers every gateway-conformance dnslink.yml entry through a CAIRN_NS_MAP-style map', async () => {
    const entries = []
    for (const file of await findDnsLinkYmls(GATEWAY_CONFORMANCE_FIXTURES)) {
      entries.push(...parseDnsLinkYml(await readFile(file, 'utf8')))
    }
    expect(entries.length).toBeGreaterThanOrEqual(8)
    const nsMap = entries.map(e => `${e.domain}:${e.path}`).join(',')
    const resolver = new DnsLinkResolver({ nsMap, resolveTxt: noDns })
    for (const { domain, path } of entries) {
      expect(await resolver.resolve(domain)).toBe(path)
    }
  })

  it('parses the map strictly and reads dnslink= among other TXT records', () => {
    expect(parseNsMap('a.example:/ipfs/bafy, B.example:/ipns/k51x')).toEqual(new Map([['a.example', '/ipfs/bafy'], ['b.example', '/ipns/k51x']]))
    expect(() => parseNsMap('a.example')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => parseNsMap('a.example:/http/x')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(dnsLinkFromTxt([['v=spf1'], ['dnslink=/ipfs/', 'bafy'], ['dnslink=junk']])).toBe('/ipfs/bafy')
    expect(dnsLinkFromTxt([['v=spf1']])).toBeUndefined()
  })

  it('caches DNS answers for the cache TTL, and nocache asks again', async () => {
    let asked = 0
    let clock = 0
    const resolver = new DnsLinkResolver({
      nsMap: '',
      now: () => clock,
      cacheTtlMs: 1000,
      resolveTxt: async () => { asked++; return [['dnslink=/ipfs/bafy']] }
    })
    await resolver.resolve('a.example')
    await resolver.resolve('A.example.')
    expect(asked).toBe(1)
    await resolver.resolve('a.example', { nocache: true })
    expect(asked).toBe(2)
    clock = 2000
    await resolver.resolve('a.example')
    expect(asked).toBe(3)
  })

  it('a failing DNS server is a NotFoundError that says why', async () => {
    const resolver = new DnsLinkResolver({ nsMap: '', resolveTxt: async () => { throw Object.assign(new Error('SERVFAIL'), { code: 'ESERVFAIL' }) } })
    await expect(resolver.resolve('a.example')).rejects.toMatchObject({ name: 'NotFoundError', message: expect.stringContaining('SERVFAIL') })
  })

  it('never asks the system DNS for special-use names (.localhost, .invalid, .test, .example, .local)', async () => {
    const resolver = new DnsLinkResolver({ nsMap: 'mapped.test:/ipfs/bafkqaaa' })
    for (const name of ['x.localhost', 'gateway.example.invalid', 'site.test', 'a.example', 'printer.local']) {
      await expect(resolver.resolve(name), name).rejects.toMatchObject({ name: 'NotFoundError', message: expect.stringContaining('never in the public DNS') })
    }
    // the static map still answers for them
    expect(await resolver.resolve('mapped.test')).toBe('/ipfs/bafkqaaa')
  })
})
