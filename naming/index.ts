/**
 * IPNS naming: keys, spec-exact records, publish and resolve through `Routing`, republishing and
 * DNSLink. The door of the subsystem: other folders import from here only.
 *
 * The composition root builds it as:
 * `createNaming({ keystore: await openKeystore(repo.root, config.Identity.PrivKey),
 *   records: new RecordStore(new LevelNamingDatastore(repo.datastore)), routing, logger,
 *   dnslink: new DnsLinkResolver(), resolvePath }, { republishPeriodMs, recordLifetimeMs, maxCacheTtlMs })`
 * and registers `{ validate: validateIpnsRoutingRecord, select: selectIpnsRoutingRecord }` as
 * the DHT's `ipns` validator.
 */
export { createNaming, splitIpnsPath, DEFAULT_MAX_CACHE_TTL_MS, DEFAULT_REPUBLISH_LIFETIME_MS, DEFAULT_REPUBLISH_PERIOD_MS, DEFAULT_RESOLVE_CACHE_SIZE, MAX_RESOLVE_DEPTH } from './ipns.ts'
export type { Naming, NamingComponents, NamingInit, PublishOptions, PublishResult, Resolution, ResolveOptions, Timers } from './ipns.ts'
export { Keystore, openKeystore, decodePrivateKey, SELF_KEY, KEYSTORE_DIR, DEFAULT_RSA_BITS } from './keystore.ts'
export type { KeyInfo, KeyType, GenOptions } from './keystore.ts'
export { RecordStore, MemoryNamingDatastore, LevelNamingDatastore, localRecordKey, namingDatastoreOver } from './record-store.ts'
export type { NamingDatastore, ByteKeyStore } from './record-store.ts'
export { DnsLinkResolver, parseNsMap, dnsLinkFromTxt, isDomainName, NS_MAP_ENV, SPECIAL_USE_TLDS } from './dnslink.ts'
export type { DnsLinkInit, TxtResolver } from './dnslink.ts'
export {
  createRecord, unmarshalRecord, parseIpnsName, formatIpnsName, ipnsRoutingKey, multihashFromRoutingKey, nameOfKey,
  MAX_RECORD_SIZE, IPNS_NAMESPACE, DEFAULT_RECORD_LIFETIME_MS, DEFAULT_RECORD_TTL_MS
} from './record.ts'
export type { IpnsRecord, CreateRecordOptions } from './record.ts'
export { validateRecord, validateIpnsRoutingRecord } from './validator.ts'
export { selectRecord, selectIpnsRoutingRecord, compareRecords } from './selector.ts'

import { selectIpnsRoutingRecord } from './selector.ts'
import { validateIpnsRoutingRecord } from './validator.ts'

/** The `/ipns/` validator/selector pair the DHT's record store takes (`registerValidator('ipns', …)`). */
export const ipnsRecordValidator = {
  validate: validateIpnsRoutingRecord,
  select: selectIpnsRoutingRecord
}
