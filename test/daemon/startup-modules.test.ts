/**
 * What a small command loads (issue 14 §6): `version`, `commands` and `cid` never load libp2p,
 * fastify or LevelDB, and a `cat` through a running daemon loads neither LevelDB nor the node.
 * Checked on the sources (`CAIRN_NO_BUNDLE=1`), whose module URLs name what they are; the bundle
 * keeps this laziness in its chunks (test/bin/bundle.test.ts). Start-up time itself is measured
 * by bench/startup.ts, not asserted here.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'

const TRACE = fileURLToPath(new URL('../fixtures/module-trace.mjs', import.meta.url))

/** The packages of heavy modules a small command must not load. */
const HEAVY = /\/node_modules\/(libp2p|@libp2p\/(?!interface\b)[^/]+|fastify|level|classic-level|abstract-level)\//

describe('modules a small command loads', () => {
  let repo: TestRepo
  let n = 0

  /** Runs cairn with every loaded module written to a file; returns their URLs. */
  async function loaded (args: string[]): Promise<string[]> {
    const file = join(repo.dir, `modules-${n++}.txt`)
    const result = await repo.run(args, { env: { NODE_OPTIONS: `--import=${TRACE}`, CAIRN_TEST_MODULE_TRACE: file, CAIRN_NO_BUNDLE: '1' } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return (await readFile(file, 'utf8')).trim().split('\n')
  }

  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it.each([
    [['version']],
    [['version', '--all']],
    [['commands']],
    [['cid', 'base32', 'QmZZRTyhDpL5Jgift1cHbAhexeE1m2Hw8x8g7rTcPahDvo']],
    [['cid', 'hashes']]
  ])('cairn %j loads no libp2p, fastify or LevelDB', async (args) => {
    const modules = await loaded(args)
    expect(modules.length).toBeGreaterThan(5)
    expect(modules.filter(url => HEAVY.test(url))).toEqual([])
  })

  it('the tracer sees the heavy modules of a command that opens the repo', async () => {
    const modules = await loaded(['repo', 'stat'])
    expect(modules.some(url => /\/node_modules\/classic-level\//.test(url))).toBe(true)
  })

  it('an offline cat loads the exporter, not the importer (chunkers, WebAssembly) or the CAR codec', async () => {
    const cid = (await repo.run(['add', '-Q'], { input: 'offline' })).out.trim()
    const modules = await loaded(['cat', cid])
    expect(modules.some(url => url.includes('/dag/exporter/'))).toBe(true)
    expect(modules.filter(url => /\/dag\/importer\/|\/node_modules\/(rabin-wasm|@ipld\/car)\//.test(url))).toEqual([])
  })

  describe('through a running daemon', () => {
    let daemon: RunningDaemon | undefined
    beforeAll(async () => { daemon = await startDaemon(repo, { args: ['--offline'] }) })
    afterAll(async () => { if (daemon != null) await stopDaemon(daemon) })

    it('cat loads neither LevelDB nor the node', async () => {
      const cid = (await repo.run(['add', '-Q'], { input: 'through the daemon' })).out.trim()
      const modules = await loaded(['cat', cid])
      expect(modules.filter(url => HEAVY.test(url))).toEqual([])
      expect(modules.filter(url => url.endsWith('/core/node.ts') || url.endsWith('/blockstore/blockstore.ts'))).toEqual([])
      // nor what only other calls need: TLS (an https API), the multiaddr library (the api
      // file's /ip4/…/tcp/… is read without it), the tar and upload codecs, the config code
      expect(modules.filter(url => url === 'node:tls' || url === 'node:crypto' || /\/node_modules\/@multiformats\/multiaddr\//.test(url) ||
        /\/http-api\/(tar|uploads|multipart)\.ts$|\/repo\/config\.ts$/.test(url))).toEqual([])
    })
  })
})
