/**
 * The 1 GiB IPIP-499 `unixfs-v1-2025` file vectors of Kubo's CID-profile test
 * (`test/cli/cid_profiles_test.go`), too large for the test run (`test/dag/importer-vectors.test.ts`
 * runs the smaller ones): our root CID must equal Kubo's.
 *
 *   node bench/vectors.ts [--md FILE]
 *
 * The input is Kubo's deterministic stream: a ChaCha20 keystream keyed by sha256 of the seed
 * string, zero nonce (as `kuboDeterministicStream` in `test/dag/importer-helpers.ts`), fed in
 * 1 MiB pieces to the importer, whose blocks go to a sink that drops them (the CIDs are what is
 * checked; `bench/add-cat.ts` measures storing).
 */
import { loadavg } from 'node:os'
import { importFile } from '../dag/importer/index.ts'
import { kuboDeterministicStream } from '../test/dag/importer-helpers.ts'
import { emit, flags, fmt, log, table } from './lib.ts'

const args = flags(process.argv.slice(2))
const MiB = 1024 * 1024

const VECTORS: Array<{ name: string, size: number, seed: string, expected: string }> = [
  { name: '1024 chunks (1 GiB)', size: 1024 * MiB, seed: 'v1-2025-seed', expected: 'bafybeihmf37wcuvtx4hpu7he5zl5qaf2ineo2lqlfrapokkm5zzw7zyhvm' },
  { name: '1024 chunks + 1 B', size: 1024 * MiB + 1, seed: 'v1-2025-seed', expected: 'bafybeibdsi225ugbkmpbdohnxioyab6jsqrmkts3twhpvfnzp77xtzpyhe' },
  { name: '1025 chunks', size: 1025 * MiB, seed: 'v1-2025-seed', expected: 'bafybeihmzokxxjqwxjcryerhp5ezpcog2wcawfryb2xm64xiakgm4a5jue' }
]

const rows: string[][] = []
let failed = 0
for (const vector of VECTORS) {
  const load = loadavg()[0]
  const started = process.hrtime.bigint()
  const root = await importFile(kuboDeterministicStream(vector.size, vector.seed), { putMany: async () => {} }, { profile: 'unixfs-v1-2025' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cid = root.cid.toString()
  const ok = cid === vector.expected
  if (!ok) failed++
  log(`${vector.name}: ${cid} ${ok ? 'matches' : `DIFFERS from ${vector.expected}`} (${seconds.toFixed(2)} s)`)
  rows.push([
    vector.name,
    `\`${vector.expected}\``,
    ok ? 'yes' : `**no**: \`${cid}\``,
    `${seconds.toFixed(2)} s (${fmt.mbps(vector.size / 1e6 / seconds)} MB/s, keystream included)`,
    load.toFixed(2)
  ])
}

await emit([
  '## IPIP-499 unixfs-v1-2025 1 GiB vectors (Kubo `cid_profiles_test.go`)', '',
  table(['vector', 'Kubo\'s CID', 'Cairn equal', 'import time (no store)', 'load (1 min)'], rows),
  ''
].join('\n'), args.md)
if (failed > 0) process.exitCode = 1
