import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ERROR_MEANINGS, isClientError } from '../../errors/index.ts'
import { IpnsEntry } from '../../naming/pb/ipns.js'
import {
  MAX_RECORD_SIZE, createRecord, formatIpnsName, formatRfc3339, ipnsRoutingKey, nameOfKey, parseIpnsName,
  parseRfc3339, unmarshalRecord
} from '../../naming/record.ts'
import { compareRecords, selectIpnsRoutingRecord, selectRecord } from '../../naming/selector.ts'
import { validateIpnsRoutingRecord, validateRecord } from '../../naming/validator.ts'
import { GATEWAY_CONFORMANCE_FIXTURES } from '../helpers/fixtures.ts'

const VECTORS = join(GATEWAY_CONFORMANCE_FIXTURES, 'ipns_records')
const CID = '/ipfs/bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'
const HOUR = 3600_000

/** The verdict each spec vector must get (fixtures README: which must pass and which must fail). */
const EXPECTED: Record<string, string | null> = {
  v2: null,
  'v1-v2': null,
  'v1-v2-broken-signature-v1': null,
  'v1-v2-broken-signature-v2': 'RecordSignatureError',
  'v1-v2-broken-v1-value': 'RecordV1MismatchError',
  v1: 'RecordSignatureMissingError'
}

async function verdict (promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (err) {
    return (err as Error).name
  }
}

describe('IPNS record spec vectors', () => {
  it('give exactly the expected verdicts', async () => {
    const files = (await readdir(VECTORS)).filter(f => f.endsWith('.ipns-record'))
    expect(files).toHaveLength(Object.keys(EXPECTED).length)
    for (const file of files) {
      const [name, suffix] = file.replace('.ipns-record', '').split(/_(.*)/s)
      const bytes = await readFile(join(VECTORS, file))
      const got = await verdict(validateRecord(parseIpnsName(name), bytes))
      expect({ file, got }).toEqual({ file, got: EXPECTED[suffix] })
    }
  })

  it('the vectors signed by one key are refused for another name', async () => {
    const files = (await readdir(VECTORS)).filter(f => f.endsWith('_v2.ipns-record') || f.endsWith('_v1-v2.ipns-record'))
    const [a, b] = files
    const bytes = await readFile(join(VECTORS, a))
    const other = parseIpnsName(b.split('_')[0])
    // Ed25519 names inline the key, so the record is checked against the other key and fails there
    expect(await verdict(validateRecord(other, bytes))).toBe('RecordSignatureError')
  })

  it('an embedded key that is not the name\'s key is refused before any signature check', async () => {
    const rsa = await generateKeyPair('RSA', 1024)
    const rsa2 = await generateKeyPair('RSA', 1024)
    const ed = await generateKeyPair('Ed25519')
    const bytes = await createRecord(rsa, CID, 1n, HOUR)
    expect(await verdict(validateRecord(nameOfKey(rsa2), bytes))).toBe('RecordKeyMismatchError')
    expect(await verdict(validateRecord(nameOfKey(ed), bytes))).toBe('RecordKeyMismatchError')
    const stripped = IpnsEntry.encode({ ...IpnsEntry.decode(bytes), pubKey: undefined })
    expect(await verdict(validateRecord(nameOfKey(rsa), stripped))).toBe('RecordKeyMismatchError')
  })
})

describe('records Cairn makes', () => {
  it('validate in Cairn and with the ipns package, V1+V2 by default and V2-only on request', async () => {
    const key = await generateKeyPair('Ed25519')
    for (const v1Compatible of [true, false]) {
      const bytes = await createRecord(key, CID, 7n, HOUR, { v1Compatible })
      const name = nameOfKey(key)
      const record = await validateRecord(name, bytes)
      expect(record.value).toBe(CID)
      expect(record.sequence).toBe(7n)
      expect(record.ttl).toBe(5n * 60n * 1_000_000_000n)
      await ipnsValidator(ipnsRoutingKey(name), bytes)
      expect(IpnsEntry.decode(bytes).signatureV1 != null).toBe(v1Compatible)
    }
  })

  it('embed RSA public keys, which validate in both', async () => {
    const key = await generateKeyPair('RSA', 1024)
    const bytes = await createRecord(key, CID, 1n, HOUR)
    const name = nameOfKey(key)
    expect(publicKeyFromProtobuf(IpnsEntry.decode(bytes).pubKey!).equals(key.publicKey)).toBe(true)
    await validateRecord(name, bytes)
    await ipnsValidator(ipnsRoutingKey(name), bytes)
  })
})

describe('records the ipns package makes', () => {
  it('validate in Cairn (Ed25519 and RSA, V1+V2 and V2-only)', async () => {
    for (const key of [await generateKeyPair('Ed25519'), await generateKeyPair('RSA', 1024)]) {
      for (const v1Compatible of [true, false]) {
        const record = await createIPNSRecord(key, CID, 3n, HOUR, { v1Compatible })
        const bytes = marshalIPNSRecord(record)
        const ours = await validateRecord(nameOfKey(key), bytes)
        expect(ours.value).toBe(CID)
        expect(ours.sequence).toBe(3n)
        await validateIpnsRoutingRecord(ipnsRoutingKey(nameOfKey(key)), bytes)
      }
    }
  })
})

describe('hostile records', () => {
  it('are refused with named errors', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const name = nameOfKey(key)
    const now = Date.now()
    expect(await verdict(validateRecord(name, new Uint8Array(MAX_RECORD_SIZE + 1)))).toBe('RecordTooLargeError')
    const big = await createRecord(key, '/ipfs/' + 'a'.repeat(MAX_RECORD_SIZE), 1n, HOUR)
    expect(await verdict(validateRecord(name, big))).toBe('RecordTooLargeError')
    expect(await verdict(validateRecord(name, Uint8Array.of(0xff, 0xff, 0xff, 0xff)))).toBe('RecordMalformedError')
    expect(await verdict(validateRecord(name, await createRecord(other, CID, 1n, HOUR)))).toBe('RecordSignatureError')
    expect(await verdict(validateRecord(name, await createRecord(key, CID, 1n, HOUR, { now: now - 2 * HOUR })))).toBe('RecordExpiredError')
    // the DHT validator gives the same verdicts and refuses keys outside /ipns/
    expect(await verdict(validateIpnsRoutingRecord(new TextEncoder().encode('/pk/x'), await createRecord(key, CID, 1n, HOUR)))).toBe('InvalidRecordError')
    expect(await verdict(validateIpnsRoutingRecord(ipnsRoutingKey(name), await createRecord(other, CID, 1n, HOUR)))).toBe('RecordSignatureError')
  })

  it('a V1 field changed after signing is caught (the V2 signature alone still verifies)', async () => {
    const key = await generateKeyPair('Ed25519')
    const entry = IpnsEntry.decode(await createRecord(key, CID, 5n, HOUR))
    entry.sequence = 6n
    expect(await verdict(validateRecord(nameOfKey(key), IpnsEntry.encode(entry)))).toBe('RecordV1MismatchError')
  })
})

describe('selection', () => {
  it('prefers the higher sequence, then the later EOL, then the larger bytes', async () => {
    const key = await generateKeyPair('Ed25519')
    const now = Date.now()
    const seq1 = await createRecord(key, CID, 1n, 10 * HOUR, { now })
    const seq2 = await createRecord(key, CID, 2n, HOUR, { now })
    const seq2later = await createRecord(key, CID, 2n, 2 * HOUR, { now })
    expect(selectRecord([seq1, seq2])).toBe(1)
    expect(selectRecord([seq2, seq1])).toBe(0)
    expect(selectRecord([seq1, seq2, seq2later])).toBe(2)
    expect(selectIpnsRoutingRecord(ipnsRoutingKey(nameOfKey(key)), [seq2later, seq2, seq1])).toBe(0)
    expect(selectRecord([Uint8Array.of(1, 2, 3), seq1])).toBe(1)
    const v1only = IpnsEntry.encode({ ...IpnsEntry.decode(seq2later), signatureV2: undefined })
    expect(compareRecords(seq1, v1only)).toBeGreaterThan(0)
  })
})

describe('selection agrees with the ipns package', () => {
  it('on random sets of records (same winner by sequence and EOL)', async () => {
    const key = await generateKeyPair('Ed25519')
    const now = Date.now()
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ seq: fc.bigInt({ min: 0n, max: 3n }), hours: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
      async (specs) => {
        const values = await Promise.all(specs.map(async s => createRecord(key, CID, s.seq, s.hours * HOUR, { now })))
        const ours = unmarshalRecord(values[selectRecord(values)])
        const theirs = unmarshalRecord(values[ipnsSelector(ipnsRoutingKey(nameOfKey(key)), values)])
        expect([ours.sequence, ours.validityNs]).toEqual([theirs.sequence, theirs.validityNs])
      }
    ), { numRuns: 40 })
  })
})

describe('names', () => {
  it('print as base36 libp2p-key CIDs and parse from every form', async () => {
    const key = await generateKeyPair('Ed25519')
    const name = nameOfKey(key)
    const k51 = formatIpnsName(name)
    expect(k51).toMatch(/^k51/)
    expect(formatIpnsName(name, 'base58btc')).toMatch(/^12D3Koo/)
    for (const form of [k51, formatIpnsName(name, 'base58btc'), formatIpnsName(name, 'base32'), `/ipns/${k51}`]) {
      expect(parseIpnsName(form)).toEqual(name)
    }
    expect(() => parseIpnsName('bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am')).toThrow(expect.objectContaining({ name: 'InvalidIpnsNameError' }))
    expect(() => parseIpnsName('example.org')).toThrow(expect.objectContaining({ name: 'InvalidIpnsNameError' }))
  })

  it('RFC 3339 times keep nanoseconds both ways, as Go writes them', () => {
    expect(parseRfc3339('2123-08-14T12:17:03.694052Z')).toBe(BigInt(Date.UTC(2123, 7, 14, 12, 17, 3, 694)) * 1_000_000n + 52_000n)
    expect(formatRfc3339(parseRfc3339('2123-08-14T12:17:03.694052Z'))).toBe('2123-08-14T12:17:03.694052Z')
    expect(parseRfc3339('2020-01-01T01:00:00+01:00')).toBe(parseRfc3339('2020-01-01T00:00:00Z'))
    expect(() => parseRfc3339('tomorrow')).toThrow(expect.objectContaining({ name: 'RecordMalformedError' }))
  })

  it('unmarshals the fields of a record', async () => {
    const key = await generateKeyPair('Ed25519')
    const record = unmarshalRecord(await createRecord(key, CID, 9n, HOUR, { ttlNs: 1n }))
    expect(record).toMatchObject({ value: CID, sequence: 9n, ttl: 1n })
  })
})

describe('naming errors', () => {
  it('are client errors in the table (the record or the input is at fault)', () => {
    for (const name of ['RecordTooLargeError', 'RecordMalformedError', 'RecordSignatureMissingError', 'RecordKeyMismatchError',
      'RecordSignatureError', 'RecordV1MismatchError', 'RecordExpiredError', 'RecordOutdatedError', 'InvalidIpnsNameError',
      'KeyNotFoundError', 'KeyExistsError', 'KeyProtectedError', 'InvalidKeyError', 'ResolveDepthError']) {
      expect(ERROR_MEANINGS[name], name).toBeDefined()
      expect(isClientError({ name }), name).toBe(true)
    }
  })
})
