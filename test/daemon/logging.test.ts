/**
 * Logging end to end: `DEBUG=cairn:*` makes the blockstore, GC, pins, the RPC server, the gateway
 * and the libp2p host say what they do on stderr, under `cairn:<subsystem>:<part>` names; without
 * DEBUG nothing of the kind is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { killDaemon, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { waitFor } from '../helpers/wait.ts'

const DEBUG = { DEBUG: 'cairn:*' }

/** The namespaces that printed a line, e.g. `cairn:blockstore:gc`. */
function namespaces (stderr: string): Set<string> {
  const found = new Set<string>()
  for (const match of stderr.matchAll(/\b(cairn:[a-z0-9-]+:[a-z0-9-]+)(?::error)?\s/g)) found.add(match[1])
  return found
}

/** Polls until `check` holds, or fails after the deadline saying what was seen. */
async function until (check: () => boolean, what: () => string, timeout = 30_000): Promise<void> {
  await waitFor(check, { timeout, message: what })
}

describe('DEBUG=cairn:*', () => {
  let repo: TestRepo

  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('shows what the blockstore, pins and GC do for offline commands, and nothing without DEBUG', async () => {
    const quiet = await repo.run(['add', '-Q'], { input: 'quiet bytes' })
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).not.toContain('cairn:')

    const added = await repo.run(['add', '-Q'], { input: 'logged bytes', env: DEBUG })
    expect(added.code).toBe(0)
    const cid = added.out.trim()
    expect(added.stderr).toMatch(/cairn:blockstore:store stored \d+ new blocks/)
    expect(added.stderr).toMatch(new RegExp(`cairn:blockstore:pins pinned ${cid} \\(recursive\\)`))

    const unpinned = await repo.run(['pin', 'rm', cid], { env: DEBUG })
    expect(unpinned.stderr).toMatch(new RegExp(`cairn:blockstore:pins unpinned ${cid}`))
    const gc = await repo.run(['repo', 'gc'], { env: DEBUG })
    expect(gc.code).toBe(0)
    expect(gc.stderr).toMatch(/cairn:blockstore:gc gc: removed [1-9]\d* blocks/)

    const missing = await repo.run(['cat', cid], { env: DEBUG })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/cairn:blockstore:store.* not in the store/)
    expect(namespaces(missing.stderr).has('cairn:core:node')).toBe(true)
  })

  it('an /ipns/ name with no record fails with a clear message', async () => {
    // a key name, not a domain: a DNSLink name would ask DNS, and tests ask nothing off loopback
    const name = 'k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f'
    const result = await repo.run(['cat', `/ipns/${name}/file`])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Error: .*no record found/m)
  })

  describe('the daemon', () => {
    let daemon: RunningDaemon | undefined
    let output: () => string

    beforeAll(async () => {
      daemon = await startDaemon(repo, { env: DEBUG })
      output = daemon.output
    })
    afterAll(async () => {
      if (daemon != null) await killDaemon(daemon)
    })

    it('shows the host starting, RPC requests and their errors, and gateway requests and their errors', async () => {
      expect(output()).toMatch(/cairn:core:host listening on \/ip4\/127\.0\.0\.1\/tcp\//)
      const added = await repo.run(['add', '-Q'], { input: 'through the daemon' })
      expect(added.code).toBe(0)
      await until(() => output().includes('cairn:http-api:rpc add'), output)
      const bad = await repo.run(['block', 'stat', 'notacid'])
      expect(bad.code).toBe(1)
      await until(() => /cairn:http-api:rpc:error block stat failed: InvalidCIDError/.test(output()), output)

      const gateway = daemon!.gateway
      const cid = added.out.trim()
      const ok = await fetch(`${gateway}/ipfs/${cid}`)
      expect(await ok.text()).toBe('through the daemon')
      await until(() => output().includes(`cairn:http-api:gateway GET /ipfs/${cid}`), output)
      // online, a missing block would be looked for on the network: only-if-cached answers at once
      const missing = await fetch(`${gateway}/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`, { headers: { 'cache-control': 'only-if-cached' } })
      expect(missing.status).toBe(412)
      await until(() => /cairn:http-api:gateway:error GET \/ipfs\/bafkrei\S+ failed: /.test(output()), output)

      expect((await repo.run(['shutdown'])).code).toBe(0)
      expect(await daemon!.exited).toBe(0)
      expect(output()).toMatch(/cairn:core:host stopped/)
      for (const name of ['cairn:core:host', 'cairn:http-api:rpc', 'cairn:http-api:gateway', 'cairn:blockstore:store', 'cairn:core:node']) {
        expect(namespaces(output()).has(name), name).toBe(true)
      }
    })
  })
})
