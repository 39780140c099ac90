import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { ipnsValidator } from 'ipns/validator'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NotFoundError } from '../../errors/index.ts'
import { waitFor } from '../helpers/wait.ts'
import { DnsLinkResolver } from '../../naming/dnslink.ts'
import { createNaming } from '../../naming/ipns.ts'
import { openKeystore } from '../../naming/keystore.ts'
import { createRecord, formatIpnsName, ipnsRoutingKey, nameOfKey, unmarshalRecord } from '../../naming/record.ts'
import { LevelNamingDatastore, MemoryNamingDatastore, RecordStore, localRecordKey, namingDatastoreOver } from '../../naming/record-store.ts'
import { selectIpnsRoutingRecord } from '../../naming/selector.ts'
import { validateIpnsRoutingRecord } from '../../naming/validator.ts'
import type { NamingComponents, NamingInit, Timers } from '../../naming/ipns.ts'
import type { Keystore } from '../../naming/keystore.ts'
import type { Routing } from '../../routing/types.ts'
import { failure, freshKeystore } from './helpers.ts'

const CID_A = '/ipfs/bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'
const CID_B = '/ipfs/bafybeiaysi4s6lnjev27ln5icwm6tueaw2vdykrtjkwiphwekaywqhcjze'
const HOUR = 3600_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A Map-backed Routing that, like a DHT record store, validates and keeps only the best record. */
function mapRouting (): Routing & { values: Map<string, Uint8Array>, gets: number } {
  const values = new Map<string, Uint8Array>()
  const unused = async (): Promise<never> => { throw new Error('not used by naming') }
  return {
    values,
    gets: 0,
    async put (key, value) {
      await validateIpnsRoutingRecord(key, value)
      const existing = values.get(hex(key))
      if (existing == null || selectIpnsRoutingRecord(key, [value, existing]) === 0) values.set(hex(key), value)
    },
    async get (key) {
      this.gets++
      const value = values.get(hex(key))
      if (value == null) throw new NotFoundError('no record')
      return value
    },
    provide: unused,
    findPeer: unused,
    async * findProviders () {},
    async * getClosestPeers () {}
  }
}

describe('naming service', () => {
  let root: string
  let keystore: Keystore
  let clock: number

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-naming-'))
    ;({ keystore } = await freshKeystore(root))
    clock = Date.now()
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  const make = (extra: Partial<NamingComponents> = {}, init: NamingInit = {}): ReturnType<typeof createNaming> =>
    createNaming({ keystore, records: new RecordStore(new MemoryNamingDatastore()), logger: defaultLogger(), ...extra }, { now: () => clock, ...init })

  it('publishes through routing a record the ipns package accepts, and resolves it on another node', async () => {
    const routing = mapRouting()
    const naming = make({ routing })
    const published = await naming.publish('self', CID_A)
    expect(published.sequence).toBe(0n)
    const key = ipnsRoutingKey(published.name)
    await ipnsValidator(key, routing.values.get(hex(key))!)
    const other = make({ routing })
    expect(await other.resolve(`/ipns/${formatIpnsName(published.name)}`)).toBe(CID_A)
    expect(await other.resolve(`${formatIpnsName(published.name, 'base58btc')}/sub/path`)).toBe(`${CID_A}/sub/path`)
  })

  it('grows the sequence across a re-created service on the same LevelDB, and --sequence must go up', async () => {
    const db = new Level<string, Uint8Array>(join(root, 'datastore'), { valueEncoding: 'view' })
    try {
      const routing = mapRouting()
      const first = make({ routing, records: new RecordStore(new LevelNamingDatastore(db)) })
      await first.publish('self', CID_A)
      expect((await first.publish('self', CID_B)).sequence).toBe(1n)
      const second = make({ routing, records: new RecordStore(new LevelNamingDatastore(db)) })
      expect((await second.publish('self', CID_A)).sequence).toBe(2n)
      expect(await failure(second.publish('self', CID_A, { sequence: 2n }))).toBe('RecordOutdatedError')
      expect((await second.publish('self', CID_B, { sequence: 10n })).sequence).toBe(10n)
      expect(await second.resolve(`/ipns/${formatIpnsName((await keystore.list())[0].id)}`)).toBe(CID_B)
    } finally {
      await db.close()
    }
  })

  it('keeps records in a byte-keyed store (the repo metadata store\'s shape) under Kubo\'s /ipns/<BASE32> key', async () => {
    const map = new Map<string, Uint8Array>()
    const store = namingDatastoreOver({
      async get (key) { return map.get(Buffer.from(key).toString()) },
      async put (key, value) { map.set(Buffer.from(key).toString(), value) },
      async delete (key) { map.delete(Buffer.from(key).toString()) }
    })
    const naming = make({ records: new RecordStore(store) })
    const { name } = await naming.publish('self', CID_A, { allowOffline: true })
    expect([...map.keys()]).toEqual([localRecordKey(name)])
    expect(localRecordKey(name)).toMatch(/^\/ipns\/[A-Z2-7]+$/)
    expect(await make({ records: new RecordStore(store) }).resolve(`/ipns/${formatIpnsName(name)}`)).toBe(CID_A)
  })

  it('refuses bad options with messages, and publishing offline without --allow-offline', async () => {
    const naming = make({ routing: mapRouting(), resolvePath: async (path) => { if (path.includes('missing')) throw new NotFoundError('no such path') } })
    expect(await failure(naming.publish('self', CID_A, { lifetimeMs: 0 }))).toBe('InvalidArgumentError')
    expect(await failure(naming.publish('self', CID_A, { ttlMs: -1 }))).toBe('InvalidArgumentError')
    expect(await failure(naming.publish('self', 'not-a-path'))).toBe('InvalidPathError')
    expect(await failure(naming.publish('self', '/ipfs/missing'))).toBe('NotFoundError')
    expect(await failure(naming.publish('nokey', CID_A))).toBe('KeyNotFoundError')
    await naming.publish('self', '/ipfs/missing', { resolve: false })
    const offline = make()
    expect(await failure(offline.publish('self', CID_A))).toBe('OfflineError')
    const result = await offline.publish('self', CID_A, { allowOffline: true })
    expect(await offline.resolve(`/ipns/${formatIpnsName(result.name)}`)).toBe(CID_A)
  })

  it('caches for the record TTL (capped by MaxCacheTTL), and --nocache asks routing again', async () => {
    const routing = mapRouting()
    const publisher = make({ routing })
    const { name } = await publisher.publish('self', CID_A, { ttlMs: 10 * 60_000 })
    const resolver = make({ routing }, { maxCacheTtlMs: 60_000 })
    const path = `/ipns/${formatIpnsName(name)}`
    expect(await resolver.resolve(path)).toBe(CID_A)
    await publisher.publish('self', CID_B)
    expect(await resolver.resolve(path)).toBe(CID_A) // cached
    expect(await resolver.resolve(path, { nocache: true })).toBe(CID_B)
    clock += 61_000 // past MaxCacheTTL, not past the 10 min TTL of the first record
    expect(await resolver.resolve(path)).toBe(CID_B)
  })

  it('says how long an answer holds: the least TTL along a chain of names, each capped at its EOL; unknown through DNSLink', async () => {
    const naming = make({ routing: mapRouting(), dnslink: new DnsLinkResolver({ nsMap: '' }) })
    await keystore.gen('other')
    const other = await naming.publish('other', CID_A, { ttlMs: 10 * 60_000 })
    // a 1 h TTL on a record that ends in 5 min holds 5 min
    const self = await naming.publish('self', `/ipns/${formatIpnsName(other.name)}`, { ttlMs: HOUR, lifetimeMs: 5 * 60_000, resolve: false })
    expect(await naming.resolveWithTtl(`/ipns/${formatIpnsName(other.name)}`)).toEqual({ path: CID_A, ttlMs: 10 * 60_000 })
    expect(await naming.resolveWithTtl(`/ipns/${formatIpnsName(self.name)}/x`)).toEqual({ path: `${CID_A}/x`, ttlMs: 5 * 60_000 })
    const viaDns = make({ routing: mapRouting(), dnslink: new DnsLinkResolver({ nsMap: `site.example:/ipns/${formatIpnsName(self.name)}` }) })
    await viaDns.putRecord(other.name, other.record)
    await viaDns.putRecord(self.name, self.record)
    expect(await viaDns.resolveWithTtl('/ipns/site.example')).toEqual({ path: CID_A, ttlMs: undefined })
    expect((await viaDns.getRecord(formatIpnsName(self.name))).sequence).toBe(self.sequence)
  })

  it('never lets a lower sequence replace a higher one (local store, routing answer, cache)', async () => {
    const routing = mapRouting()
    const naming = make({ routing })
    const self = await keystore.get('self')
    const name = nameOfKey(self)
    await naming.publish('self', CID_A, { sequence: 5n })
    const older = await createRecord(self, CID_B, 4n, HOUR)
    const records = new RecordStore(new MemoryNamingDatastore())
    await records.put(name, await createRecord(self, CID_A, 5n, HOUR))
    expect(await failure(records.put(name, older))).toBe('RecordOutdatedError')
    expect(unmarshalRecord((await records.get(name))!).sequence).toBe(5n)
    // a stale router answer loses to the local record, and the cache keeps the better one
    routing.values.set(hex(ipnsRoutingKey(name)), older)
    expect(await naming.resolve(`/ipns/${formatIpnsName(name)}`, { nocache: true })).toBe(CID_A)
    expect(await naming.resolve(`/ipns/${formatIpnsName(name)}`)).toBe(CID_A)
  })

  it('stores nothing from hostile routing answers and says why', async () => {
    const routing = mapRouting()
    const self = await keystore.get('self')
    const other = await generateKeyPair('Ed25519')
    const name = nameOfKey(self)
    const records = new RecordStore(new MemoryNamingDatastore())
    const naming = make({ routing, records })
    const path = `/ipns/${formatIpnsName(name)}`
    for (const [bytes, error] of [
      [await createRecord(other, CID_A, 1n, HOUR), 'RecordSignatureError'],
      [await createRecord(self, CID_A, 1n, HOUR, { now: clock - 2 * HOUR }), 'RecordExpiredError'],
      [Uint8Array.of(9, 9, 9), 'RecordMalformedError'],
      [new Uint8Array(20_000), 'RecordTooLargeError']
    ] as const) {
      routing.values.set(hex(ipnsRoutingKey(name)), bytes)
      expect(await failure(naming.resolve(path, { nocache: true }))).toBe(error)
      expect(await records.get(name)).toBeUndefined()
    }
    routing.values.clear()
    expect(await failure(naming.resolve(path))).toBe('NotFoundError')
  })

  it('--stream yields the local answer, then the better one from routing', async () => {
    const routing = mapRouting()
    const self = await keystore.get('self')
    const name = nameOfKey(self)
    const records = new RecordStore(new MemoryNamingDatastore())
    await records.put(name, await createRecord(self, CID_A, 1n, HOUR))
    await routing.put(ipnsRoutingKey(name), await createRecord(self, CID_B, 2n, HOUR))
    const answers: string[] = []
    for await (const answer of make({ routing, records }).resolveStream(`/ipns/${formatIpnsName(name)}`)) answers.push(answer)
    expect(answers).toEqual([CID_A, CID_B])
    expect(unmarshalRecord((await records.get(name))!).sequence).toBe(2n)
  })

  it('answers from the local record at once and takes the better routing record in the background', async () => {
    const routing = mapRouting()
    const self = await keystore.get('self')
    const name = nameOfKey(self)
    const records = new RecordStore(new MemoryNamingDatastore())
    await records.put(name, await createRecord(self, CID_A, 1n, HOUR))
    await routing.put(ipnsRoutingKey(name), await createRecord(self, CID_B, 2n, HOUR))
    let release: () => void = () => {}
    const gate = new Promise<void>(resolve => { release = resolve })
    const slow: Routing = { ...routing, get: async (key, options) => { await gate; return routing.get(key, options) } }
    const naming = make({ routing: slow, records })
    const path = `/ipns/${formatIpnsName(name)}`
    expect(await naming.resolve(path)).toBe(CID_A)
    release()
    await waitFor(async () => unmarshalRecord((await records.get(name))!).sequence === 2n, { timeout: 5000, message: 'the background lookup to store the better record' })
    expect(await naming.resolve(path)).toBe(CID_B)
  })

  it('stop() aborts a background lookup still running', async () => {
    const routing = mapRouting()
    const self = await keystore.get('self')
    const name = nameOfKey(self)
    const records = new RecordStore(new MemoryNamingDatastore())
    await records.put(name, await createRecord(self, CID_A, 1n, HOUR))
    let seen: AbortSignal | undefined
    const hanging: Routing = { ...routing, get: async (_key, options) => { seen = options?.signal; return new Promise<never>(() => {}) } }
    const naming = make({ routing: hanging, records })
    expect(await naming.resolve(`/ipns/${formatIpnsName(name)}`)).toBe(CID_A)
    await waitFor(() => seen != null, { timeout: 5000, message: 'the background lookup to start' })
    expect(seen!.aborted).toBe(false)
    naming.stop()
    expect(seen!.aborted).toBe(true)
  })

  it('republishes own records on the timer with a fresh EOL, and refuses a lifetime shorter than the period', async () => {
    expect(() => make({}, { republishPeriodMs: 4 * HOUR, recordLifetimeMs: HOUR })).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }))
    const routing = mapRouting()
    const pending: Array<{ fn: () => void, ms: number }> = []
    const timers: Timers = { setTimeout: (fn, ms) => pending.push({ fn, ms }), clearTimeout: () => {} }
    await keystore.gen('site')
    const naming = make({ routing }, { timers, republishPeriodMs: 4 * HOUR, recordLifetimeMs: 48 * HOUR })
    const { name } = await naming.publish('site', CID_A, { lifetimeMs: 48 * HOUR })
    const key = hex(ipnsRoutingKey(name))
    const before = unmarshalRecord(routing.values.get(key)!)
    naming.start()
    await waitUntil(() => pending.length === 1)
    expect(pending[0].ms).toBe(4 * HOUR)
    clock += 4 * HOUR
    pending.shift()!.fn()
    await waitUntil(() => pending.length === 1)
    const after = unmarshalRecord(routing.values.get(key)!)
    expect(after.value).toBe(CID_A)
    expect(after.sequence).toBe(before.sequence)
    expect(after.validityNs - before.validityNs).toBe(BigInt(4 * HOUR) * 1_000_000n)
    naming.stop()
  })

  it('republishes sooner than the period when a record would expire first', async () => {
    const pending: Array<{ fn: () => void, ms: number }> = []
    const timers: Timers = { setTimeout: (fn, ms) => pending.push({ fn, ms }), clearTimeout: () => {} }
    const naming = make({ routing: mapRouting() }, { timers })
    await naming.publish('self', CID_A, { lifetimeMs: HOUR })
    naming.start()
    await waitUntil(() => pending.length === 1)
    expect(pending[0].ms).toBe(HOUR / 2)
    naming.stop()
  })
})

describe('DNSLink through the resolver', () => {
  const txt = (table: Record<string, string>) => async (host: string): Promise<string[][]> => {
    if (table[host] == null) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    return [['unrelated'], [table[host]]]
  }
  const root = async (dnslink: DnsLinkResolver): Promise<ReturnType<typeof createNaming>> => {
    const identity = await generateKeyPair('Ed25519')
    const dir = await mkdtemp(join(tmpdir(), 'cairn-dnslink-'))
    const keystore = await openKeystore(dir, Buffer.from(privateKeyToProtobuf(identity)).toString('base64'))
    await rm(dir, { recursive: true, force: true })
    return createNaming({ keystore, records: new RecordStore(new MemoryNamingDatastore()), logger: defaultLogger(), dnslink })
  }

  it('reads _dnslink.<domain> then the bare domain, follows /ipns/ answers and caches', async () => {
    const asked: string[] = []
    const table = txt({ '_dnslink.a.example': 'dnslink=/ipns/b.example/x', 'b.example': `dnslink=${CID_A}` })
    const naming = await root(new DnsLinkResolver({ nsMap: '', resolveTxt: async (host) => { asked.push(host); return table(host) } }))
    expect(await naming.resolve('/ipns/a.example/y')).toBe(`${CID_A}/x/y`)
    expect(await naming.resolve('/ipns/a.example', { recursive: false })).toBe('/ipns/b.example/x')
    expect(asked).toEqual(['_dnslink.a.example', '_dnslink.b.example', 'b.example'])
    expect(await failure(naming.resolve('/ipns/none.example'))).toBe('NotFoundError')
  })

  it('refuses a loop and a 33-step chain, and resolves a 32-step one', async () => {
    const loop = await root(new DnsLinkResolver({ nsMap: 'a.example:/ipns/b.example,b.example:/ipns/a.example' }))
    expect(await failure(loop.resolve('/ipns/a.example'))).toBe('ResolveDepthError')
    const chain = (steps: number): string => Array.from({ length: steps }, (_, i) =>
      `d${i}.example:${i === steps - 1 ? CID_A : `/ipns/d${i + 1}.example`}`).join(',')
    expect(await (await root(new DnsLinkResolver({ nsMap: chain(32) }))).resolve('/ipns/d0.example')).toBe(CID_A)
    expect(await failure((await root(new DnsLinkResolver({ nsMap: chain(33) }))).resolve('/ipns/d0.example'))).toBe('ResolveDepthError')
  })
})

async function waitUntil (condition: () => boolean): Promise<void> {
  await waitFor(condition, { timeout: 5000, message: 'the republisher to schedule its next run' })
}
