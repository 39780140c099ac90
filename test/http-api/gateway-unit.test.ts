/**
 * The gateway's pure parts: options, content-type sniffing, Range / Accept / If-None-Match
 * parsing, Content-Disposition, host routing and DNS labels.
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { parseCarParams } from '../../http-api/gateway/car.ts'
import { toDnsLabel } from '../../http-api/gateway/cids.ts'
import { routeHost } from '../../http-api/gateway/host.ts'
import { cleanSegments, decodeSegments, escapeSegment, ifNoneMatch, parseTarget } from '../../http-api/gateway/request.ts'
import {
  DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_REQUEST_DURATION_MS, DEFAULT_RETRIEVAL_TIMEOUT_MS, DEFAULT_ROUTING_TIMEOUT_MS, contentDisposition,
  parseAccept, parseRange, resolveGatewayInit, sniffContentType, typeByName
} from '../../http-api/gateway/index.ts'

const bytes = (...values: Array<number | string>): Uint8Array =>
  new Uint8Array(values.flatMap(v => typeof v === 'string' ? [...v].map(c => c.charCodeAt(0)) : [v]))

describe('resolveGatewayInit', () => {
  it('applies init, then Gateway.* config, then the defaults', () => {
    const defaults = resolveGatewayInit({})
    expect(defaults).toEqual({
      deserializedResponses: true,
      allowCodecConversion: false,
      noFetch: false,
      noDNSLink: false,
      retrievalTimeoutMs: DEFAULT_RETRIEVAL_TIMEOUT_MS,
      maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
      maxRequestDurationMs: DEFAULT_MAX_REQUEST_DURATION_MS,
      headers: {},
      subdomainHosts: ['localhost'],
      rootRedirect: '',
      exposeRoutingAPI: true,
      routingTimeoutMs: DEFAULT_ROUTING_TIMEOUT_MS
    })
    expect(DEFAULT_RETRIEVAL_TIMEOUT_MS).toBe(30_000)
    const config = {
      Gateway: {
        DeserializedResponses: false,
        NoFetch: true,
        NoDNSLink: true,
        RetrievalTimeout: '1m30s',
        MaxConcurrentRequests: 7,
        MaxRequestDuration: '2h',
        HTTPHeaders: { 'X-Test': ['a', 'b'] },
        PublicGateways: { 'dweb.example': { UseSubdomains: true }, 'path.example': { UseSubdomains: false } }
      }
    }
    const fromConfig = resolveGatewayInit(config)
    expect(fromConfig).toMatchObject({
      deserializedResponses: false, noFetch: true, noDNSLink: true, retrievalTimeoutMs: 90_000, maxConcurrentRequests: 7, maxRequestDurationMs: 7_200_000,
      headers: { 'X-Test': 'a, b' }, subdomainHosts: ['localhost', 'dweb.example']
    })
    expect(resolveGatewayInit(config, { noFetch: false, retrievalTimeoutMs: 5 })).toMatchObject({ noFetch: false, retrievalTimeoutMs: 5 })
    expect(resolveGatewayInit({ Gateway: { PublicGateways: { localhost: null } } }).subdomainHosts).toEqual([])
    expect(resolveGatewayInit({ Gateway: { ExposeRoutingAPI: false } }).exposeRoutingAPI).toBe(false)
    expect(() => resolveGatewayInit({ Gateway: { ExposeRoutingAPI: 'yes' } })).toThrow(/Gateway.ExposeRoutingAPI/)
    expect(resolveGatewayInit({ Gateway: { AllowCodecConversion: false } }).allowCodecConversion).toBe(false)
    expect(resolveGatewayInit({ Gateway: { AllowCodecConversion: true } }, { allowCodecConversion: false }).allowCodecConversion).toBe(false)
    expect(() => resolveGatewayInit({ Gateway: { RetrievalTimeout: 'soon' } })).toThrow(/Gateway.RetrievalTimeout/)
  })
})

describe('content types', () => {
  it('goes by extension first, then sniffs magic numbers, HTML signatures, JSON and text', () => {
    expect(typeByName('index.HTML')).toBe('text/html; charset=utf-8')
    expect(typeByName('a.json')).toBe('application/json')
    expect(typeByName('noext')).toBeUndefined()
    expect(typeByName('.hidden')).toBeUndefined()
    expect(sniffContentType(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0), false)).toBe('image/png')
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0), false)).toBe('image/jpeg')
    expect(sniffContentType(bytes('%PDF-1.7'), false)).toBe('application/pdf')
    expect(sniffContentType(bytes('RIFF', 0, 0, 0, 0, 'WEBP'), false)).toBe('image/webp')
    expect(sniffContentType(bytes(0, 0, 0, 0x18, 'ftypisom'), false)).toBe('video/mp4')
    expect(sniffContentType(bytes(0, 'asm', 1, 0, 0, 0), false)).toBe('application/wasm')
    expect(sniffContentType(bytes('  \n<!doctype html><p>'), false)).toBe('text/html; charset=utf-8')
    expect(sniffContentType(bytes('<svg xmlns="http://www.w3.org/2000/svg">'), false)).toBe('image/svg+xml')
    expect(sniffContentType(bytes('{"a": [1, 2]}'), true)).toBe('application/json')
    expect(sniffContentType(bytes('{"a": [1, 2]}'), false)).toBe('text/plain; charset=utf-8')
    expect(sniffContentType(bytes('{not json'), true)).toBe('text/plain; charset=utf-8')
    // text that merely mentions tags is not HTML
    expect(sniffContentType(bytes('hello <html> world'), true)).toBe('text/plain; charset=utf-8')
    expect(sniffContentType(bytes('plain text\n'), true)).toBe('text/plain; charset=utf-8')
    expect(sniffContentType(bytes(1, 2, 3, 0, 5), true)).toBe('application/octet-stream')
  })
})

describe('request parsing', () => {
  it('parses Range headers against a size', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'none' })
    expect(parseRange('bytes=2-4', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 2, end: 4 }] })
    expect(parseRange('bytes=2-', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 2, end: 9 }] })
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 7, end: 9 }] })
    expect(parseRange('bytes=-30', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 9 }] })
    expect(parseRange('bytes=5-100', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 5, end: 9 }] })
    expect(parseRange('bytes=1-2, 5-6', 10)).toEqual({ kind: 'ranges', ranges: [{ start: 1, end: 2 }, { start: 5, end: 6 }] })
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=4-2', 10)).toEqual({ kind: 'none' })
    expect(parseRange('lines=1-2', 10)).toEqual({ kind: 'none' })
    expect(parseRange(`bytes=${Array.from({ length: 20 }, (_, i) => `${i}-${i}`).join(',')}`, 100)).toEqual({ kind: 'none' })
  })

  it('picks the best known format of an Accept header', () => {
    expect(parseAccept('application/vnd.ipld.raw')).toEqual({ format: 'raw', params: {} })
    expect(parseAccept('application/vnd.ipld.car; version=1; order=dfs; dups=y')).toEqual({ format: 'car', params: { version: '1', order: 'dfs', dups: 'y' } })
    expect(parseAccept('text/html,application/xhtml+xml,*/*;q=0.8')?.format).toBe('html')
    expect(parseAccept('application/vnd.ipld.car;q=0.5, application/vnd.ipld.raw')?.format).toBe('raw')
    expect(parseAccept('application/vnd.ipld.raw;q=0, image/png')).toBeUndefined()
    expect(parseAccept('*/*')).toBeUndefined()
  })

  it('reads CAR parameters, the query winning over Accept', () => {
    const query = new URLSearchParams('car-dups=y&dag-scope=block')
    const { params, fromAccept } = parseCarParams(query, { dups: 'n', order: 'unk' })
    expect(params).toEqual({ scope: 'block', order: 'dfs', dups: true, entityBytes: undefined })
    expect(fromAccept).toEqual({ 'car-order': 'unk' })
    expect(parseCarParams(new URLSearchParams('entity-bytes=-5:*'), {}).params).toMatchObject({ scope: 'entity', entityBytes: { from: -5 } })
    expect(() => parseCarParams(new URLSearchParams('entity-bytes=5:2'), {})).toThrow(/ends before it starts/)
    expect(() => parseCarParams(new URLSearchParams('car-version=2'), {})).toThrow(/CARv1/)
  })

  it('matches If-None-Match: lists, weak tags, wildcard', () => {
    expect(ifNoneMatch('"a", W/"b"', '"b"')).toBe(true)
    expect(ifNoneMatch('W/"x.car"', 'W/"x.car"')).toBe(true)
    expect(ifNoneMatch('*', '"z"')).toBe(true)
    expect(ifNoneMatch('"a"', '"b"')).toBe(false)
    expect(ifNoneMatch(undefined, '"b"')).toBe(false)
  })

  it('writes Content-Disposition with an ASCII name and an RFC 8187 one', () => {
    expect(contentDisposition('inline', 'a.txt')).toBe('inline; filename="a.txt"')
    expect(contentDisposition('attachment', 'testтест.tar')).toBe('attachment; filename="test____.tar"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.tar')
    expect(contentDisposition('inline', 'q"uote\\.txt')).toBe('inline; filename="q_uote_.txt"; filename*=UTF-8\'\'q%22uote%5C.txt')
    expect(contentDisposition('attachment', undefined)).toBe('attachment')
  })

  it('splits, decodes, cleans and escapes paths', () => {
    expect(parseTarget('http://h:1/ipfs/x?y=1#frag')).toMatchObject({ rawPath: '/ipfs/x', rawQuery: 'y=1' })
    expect(decodeSegments('/ipfs/a%20b/%C4%85/')).toEqual(['ipfs', 'a b', 'ą', ''])
    expect(() => decodeSegments('/ipfs/%ZZ')).toThrow(/percent-encoded/)
    expect(cleanSegments(['a', '', '.', 'b', '..', 'c'], 'p')).toEqual(['a', 'c'])
    expect(() => cleanSegments(['..'], 'p')).toThrow(/climbs above/)
    expect(escapeSegment('Portugal%2C+España=Peninsula Ibérica.txt')).toBe('Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt')
    expect(escapeSegment('a/b?c#d')).toBe('a%2Fb%3Fc%23d')
  })
})

describe('hosts and DNS labels', () => {
  it('routes subdomain, gateway and other hosts', () => {
    const gateways = ['localhost', 'dweb.example']
    expect(routeHost('localhost:8080', gateways)).toEqual({ kind: 'subdomain-gateway', host: 'localhost:8080' })
    expect(routeHost('bafyabc.ipfs.localhost:8080', gateways)).toEqual({ kind: 'subdomain', namespace: 'ipfs', label: 'bafyabc', parent: 'localhost:8080' })
    expect(routeHost('k51abc.ipns.dweb.example', gateways)).toEqual({ kind: 'subdomain', namespace: 'ipns', label: 'k51abc', parent: 'dweb.example' })
    // a DNSLink name under ipns may keep its dots (not inlined); a CID under ipfs never spans labels
    expect(routeHost('en.wikipedia.org.ipns.localhost:8080', gateways)).toEqual({ kind: 'subdomain', namespace: 'ipns', label: 'en.wikipedia.org', parent: 'localhost:8080' })
    for (const host of ['127.0.0.1:8080', 'example.com', 'a.b.ipfs.localhost', 'a..ipns.localhost', '.ipns.localhost', 'x.ipfs.localhostx', 'localhost:80"<', undefined]) {
      expect(routeHost(host, gateways), String(host)).toEqual({ kind: 'path' })
    }
  })

  it('writes CIDs as DNS labels: CIDv1 base32, base36 when shorter than 63, else an error', () => {
    expect(toDnsLabel(CID.parse('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'))).toBe('bafybeiffndsajwhk3lwjewwdxqntmjm4b5wxaaanokonsggenkbw6slwk4')
    const sha384ish = CID.createV1(0x55, Digest.create(0x13, new Uint8Array(36).fill(0xff)))
    expect(toDnsLabel(sha384ish)).toMatch(/^k/)
    expect(() => toDnsLabel(CID.createV1(0x55, Digest.create(0x13, new Uint8Array(64))))).toThrow(/DNS label length limit of 63/)
  })
})
