/**
 * What a gateway request carries: the request target (parseTarget, decodeSegments, cleanSegments,
 * and the content path's CID through parseContentCid), the Host (routeHost), Accept
 * (parseAccept), If-None-Match (ifNoneMatch), the CAR parameters (parseCarParams) and the
 * file name of `?filename=` (contentDisposition) — http-api/gateway/*.
 */
import * as fc from 'fast-check'
import { parseCarParams } from '../../http-api/gateway/car.ts'
import { parseContentCid } from '../../http-api/gateway/cids.ts'
import { routeHost } from '../../http-api/gateway/host.ts'
import {
  cleanSegments, contentDisposition, decodeSegments, escapePath, ifNoneMatch, parseAccept, parseTarget
} from '../../http-api/gateway/request.ts'
import { stringsFrom } from '../mutate.ts'
import { CID_TEXTS } from '../seeds.ts'
import { callEach, defineTarget, expectThat } from '../target.ts'

const cid = CID_TEXTS[1]
const URLS = [
  `/ipfs/${cid}`, `/ipfs/${cid}/a%20b/c?format=car&dag-scope=entity&entity-bytes=0:*`, `/ipfs/${cid}/%2e%2e/x#frag`,
  `http://localhost:8080/ipfs/${cid}/?filename=100%25.txt&download=true`, `/ipns/example.com/`, `/ipfs/${CID_TEXTS[0]}/%F0%9F%92%A5?car-dups=y&car-order=dfs`,
  `/ipfs/${cid}?entity-bytes=-10:-1&car-version=1`
]
const HOSTS = [`${cid}.ipfs.localhost:8080`, 'localhost', 'example.com.ipns.localhost', '127.0.0.1:8080', 'LOCALHOST:99999']
const ACCEPTS = ['application/vnd.ipld.car; version=1; order=dfs; dups=y', 'application/vnd.ipld.raw, */*;q=0.1', 'text/html;q=0.9, application/x-tar;q=1e400', 'application/vnd.ipld.dag-json;q=abc']
const TAGS = ['"bafy"', 'W/"x", "y"', '*', '']

/**
 * Text as Node's HTTP parser hands it over: bytes as latin1 characters. A URL or header cannot
 * carry a lone surrogate; raw UTF-8 in it arrives as one character per byte.
 */
const wire = (arbitrary: fc.Arbitrary<string>): fc.Arbitrary<string> => arbitrary.map(s => Buffer.from(s, 'utf8').toString('latin1'))

export default defineTarget({
  name: 'gateway-request',
  description: 'gateway URL, path, CID, Host, Accept, If-None-Match, CAR params and filename parsing (http-api/gateway/*)',
  arbitrary: fc.record({
    url: wire(stringsFrom(URLS, { maxRandomLength: 128 })),
    host: wire(stringsFrom(HOSTS)),
    accept: wire(stringsFrom(ACCEPTS)),
    tag: wire(stringsFrom(TAGS))
  }),
  run: ({ url, host, accept, tag }) => callEach([
    () => {
      const target = parseTarget(url)
      const segments = decodeSegments(target.rawPath)
      if (segments[0] === 'ipfs' && segments.length > 1) parseContentCid(segments[1], target.rawPath)
      const clean = cleanSegments(segments.slice(2), target.rawPath)
      const accepted = parseAccept(accept)
      parseCarParams(target.query, accepted?.params ?? {})
      contentDisposition('attachment', target.query.get('filename') ?? undefined)
      return { clean, escaped: escapePath(clean) }
    },
    () => routeHost(host, ['localhost', 'example.com']),
    () => ifNoneMatch(tag, '"bafy"')
  ]),
  check (output) {
    const [{ clean, escaped }] = output as [{ clean: string[], escaped: string }]
    // what the gateway writes back into Location and links must read back as the same path
    expectThat(JSON.stringify(decodeSegments(escaped)) === JSON.stringify(clean), () => `escapePath(${JSON.stringify(clean)}) = ${escaped} does not decode back`)
  }
})
