/**
 * The gateway-conformance fixtures for names (v0.13.2), read the way the fixtures README says:
 * every `<name>[_suffix].ipns-record` is the record of `<name>`, and every `dnslink.yml` maps
 * domains to paths, given to the node as a `CAIRN_NS_MAP` (so no test ever asks DNS).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unmarshalIPNSRecord } from 'ipns'
import { FIXTURES } from './gateway-helpers.ts'

/** One `*.ipns-record` file. */
export interface RecordFixture {
  /** `folder/file` under the fixtures. */
  file: string
  /** The IPNS name the record is for, as the file name writes it (base36 CID or peer ID). */
  name: string
  bytes: Uint8Array
}

/** Every IPNS record fixture, sorted by file. */
export async function recordFixtures (): Promise<RecordFixture[]> {
  const out: RecordFixture[] = []
  for (const dir of (await readdir(FIXTURES, { withFileTypes: true })).filter(d => d.isDirectory())) {
    for (const file of (await readdir(join(FIXTURES, dir.name))).filter(f => f.endsWith('.ipns-record'))) {
      out.push({ file: `${dir.name}/${file}`, name: file.replace(/(_[^.]*)?\.ipns-record$/, ''), bytes: await readFile(join(FIXTURES, dir.name, file)) })
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file))
}

/** The spec vectors the README says must be refused (V1 only, broken V2 signature, V1 value ≠ CBOR value). */
export const REFUSED_RECORDS = new Set([
  'ipns_records/k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku_v1.ipns-record',
  'ipns_records/k51qzi5uqu5diamp7qnnvs1p1gzmku3eijkeijs3418j23j077zrkok63xdm8c_v1-v2-broken-signature-v2.ipns-record',
  'ipns_records/k51qzi5uqu5dlmit2tuwdvnx4sbnyqgmvbxftl0eo3f33wwtb9gr7yozae9kpw_v1-v2-broken-v1-value.ipns-record'
])

/** Every `dnslinks:` entry of every `dnslink.yml`: domain → path. */
export async function dnsLinkFixtures (): Promise<Map<string, string>> {
  const links = new Map<string, string>()
  for (const dir of (await readdir(FIXTURES, { withFileTypes: true })).filter(d => d.isDirectory())) {
    let text: string
    try {
      text = await readFile(join(FIXTURES, dir.name, 'dnslink.yml'), 'utf8')
    } catch {
      continue
    }
    // the files are flat: `domain:` then `path:` per entry; comments after `#`
    let domain: string | undefined
    for (const line of text.split('\n').map(l => l.replace(/#.*$/, '').trim())) {
      const m = /^(domain|path):\s*(\S+)$/.exec(line)
      if (m == null) continue
      if (m[1] === 'domain') domain = m[2]
      else if (domain != null) {
        links.set(domain, m[2])
        domain = undefined
      }
    }
  }
  return links
}

/** The map in `CAIRN_NS_MAP` form (`domain:/ipfs/…,domain2:/ipns/…`). */
export function nsMap (links: Map<string, string>): string {
  return [...links].map(([domain, path]) => `${domain}:${path}`).join(',')
}

/** What the `ipns` package (the reference's record library) reads from a record: an oracle independent of Cairn. */
export function referenceRecord (bytes: Uint8Array): { value: string, ttlSeconds: number } {
  const record = unmarshalIPNSRecord(bytes)
  return { value: record.value, ttlSeconds: Number((record.ttl ?? 0n) / 1_000_000_000n) }
}
