/**
 * End-to-end: `cairn daemon` and the CLI going through it.
 */
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, packBytes, type TestRepo } from '../helpers/cli.ts'
import { killDaemon, startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { waitFor } from '../helpers/wait.ts'

async function exists (path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

describe('cairn daemon', () => {
  let repo: TestRepo
  let daemon: RunningDaemon

  beforeAll(async () => {
    repo = await createTestRepo()
    daemon = await startDaemon(repo)
  })
  afterAll(async () => {
    if (daemon != null) await killDaemon(daemon)
    await repo?.cleanup()
  })

  it('prints its addresses and writes the api file with the real port', async () => {
    const api = (await readFile(join(repo.path, 'api'), 'utf8')).trim()
    expect(api).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*$/)
    expect(daemon.output()).toContain(`RPC API server listening on ${api}`)
    expect(daemon.output()).toMatch(/Swarm listening on \/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*\/p2p\/12D3KooW/)
  })

  it('serves the CLI with the same output, errors and exit codes as offline', async () => {
    const file = join(repo.dir, 'f.bin')
    const data = randomBytes(600_000)
    await writeFile(file, data)
    const added = await repo.run(['add', '--chunker=size-100000', file])
    expect(added.code).toBe(0)
    const cid = added.out.trim().split(' ')[1]
    expect(added.out).toBe(`added ${cid} f.bin\n`)
    expect((await repo.run(['cat', cid])).stdout.equals(data)).toBe(true)
    expect((await repo.run(['cat', '-o', '99999', '-l', '10', cid])).stdout.equals(data.subarray(99999, 100009))).toBe(true)
    expect((await repo.run(['pin', 'ls', '-q', '--type=recursive'])).out).toContain(cid)
    const bad = await repo.run(['cat', 'notacid'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: invalid CID "notacid"/)
    const secret = await repo.run(['config', 'Identity.PrivKey'])
    expect(secret.code).toBe(1)
    expect(secret.stderr).toMatch(/^Error: Identity.PrivKey is secret/)
    const peers = await repo.run(['swarm', 'peers'])
    expect(peers.code).toBe(0)
    const id = JSON.parse((await repo.run(['id'])).out)
    expect(id.Addresses.length).toBeGreaterThan(0)
    expect(id.Protocols).toContain('/ipfs/id/1.0.0')
  })

  it('matches offline output exactly for the same commands', async () => {
    const other = await createTestRepo()
    try {
      const input = 'the same bytes on both sides'
      const online = await repo.run(['add', '--cid-version=1', '--enc=json'], { input })
      const offline = await other.run(['add', '--cid-version=1', '--enc=json'], { input })
      expect(online.out).toBe(offline.out)
      const bad = ['block', 'get', 'bafkqaaa/not/a/path']
      const a = await repo.run(bad)
      const b = await other.run(bad)
      expect([a.code, a.stderr]).toEqual([b.code, b.stderr])
    } finally {
      await other.cleanup()
    }
  })

  it('runs a command through the daemon without loading the blockstore, the dag layer or the progress bar', async () => {
    // a module hook in the CLI process lists every project module it loads
    const hook = join(repo.dir, 'list-modules.mjs')
    const list = join(repo.dir, 'modules.txt')
    await writeFile(hook, `import module from 'node:module'
import { appendFileSync } from 'node:fs'
module.registerHooks({ load (url, context, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, context) } })
`)
    // the sources, whose module URLs name what they are (test/bin/bundle.test.ts checks the bundle)
    const env = { NODE_OPTIONS: `--import ${hook}`, CAIRN_NO_BUNDLE: '1' }
    const added = await repo.run(['add', '-Q'], { input: 'a few bytes', env })
    expect(added.code).toBe(0)
    expect((await repo.run(['cat', added.out.trim()], { env })).out).toBe('a few bytes')
    const loaded = (await readFile(list, 'utf8')).split('\n')
    expect(loaded.some(url => url.endsWith('/http-api/rpc-client.ts'))).toBe(true)
    // leaf modules with no dependencies of their own (code tables, the identity and entry-name
    // checks the CLI's path parser and tar reader use) are fine; the store and the DAG layer are not
    const leaf = /\/blockstore\/(types|codes|decode-limits)\.ts$|\/dag\/exporter\/safe-name\.ts$/
    const heavy = loaded.filter(url => !leaf.test(url) && /\/(blockstore|dag\/importer|dag\/exporter)\/|\/cli-progress\/|\/daemon\/cli\/extract\.ts$/.test(url))
    expect(heavy).toEqual([])
  })

  it('stops on `cairn shutdown`, removing the api file, with exit code 0', async () => {
    const result = await repo.run(['shutdown'])
    expect(result.code).toBe(0)
    expect(await daemon.exited).toBe(0)
    expect(await exists(join(repo.path, 'api'))).toBe(false)
    // with no daemon, commands open the repo directly again
    expect((await repo.run(['repo', 'stat'])).code).toBe(0)
  })
})

describe('two cairn daemons', () => {
  let a: TestRepo
  let b: TestRepo
  let da: RunningDaemon
  let db: RunningDaemon
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestRepo(), createTestRepo()])
    ;[da, db] = await Promise.all([startDaemon(a), startDaemon(b)])
  })
  afterAll(async () => {
    await Promise.all([da, db].filter(d => d != null).map(async d => { await killDaemon(d) }))
    await Promise.all([a?.cleanup(), b?.cleanup()])
  })

  it('connect with swarm connect and see each other', async () => {
    const addr = (await b.run(['swarm', 'addrs', 'local', '--id'])).out.trim().split('\n')[0]
    const peerB = JSON.parse((await b.run(['id'])).out).ID
    const peerA = JSON.parse((await a.run(['id'])).out).ID
    const connect = await a.run(['swarm', 'connect', addr])
    expect(connect.code).toBe(0)
    expect(connect.out).toContain(`connect ${peerB} success`)
    expect((await a.run(['swarm', 'peers'])).out).toContain(peerB)
    await waitFor(async () => (await b.run(['swarm', 'peers'])).out.includes(peerA), { interval: 100, message: 'b to see a' })
    const ping = await a.run(['ping', '-n', '1', peerB])
    expect(ping.code).toBe(0)
    expect(ping.out).toMatch(/Pong received: time=/)
  })

  it('answer kubo-rpc-client\'s id and swarm calls', async () => {
    const { create } = await import('kubo-rpc-client')
    const { multiaddr } = await import('@multiformats/multiaddr')
    const ipfs = create({ url: da.api })
    const peerB = JSON.parse((await b.run(['id'])).out).ID
    const id = await ipfs.id()
    expect(id.id.toString()).toBe(JSON.parse((await a.run(['id'])).out).ID)
    expect(id.agentVersion).toMatch(/^cairn\//)
    const addrB = (await b.run(['swarm', 'addrs', 'local', '--id'])).out.trim().split('\n')[0]
    await ipfs.swarm.connect(multiaddr(addrB))
    const peers = await ipfs.swarm.peers()
    expect(peers.map(p => p.peer.toString())).toContain(peerB)
  })

  it('serve another repo\'s CLI through --api and CAIRN_API', async () => {
    const api = db.apiAddr
    const peerB = JSON.parse((await b.run(['id'])).out).ID
    // a's CLI, pointed at b's daemon, talks to b
    expect(JSON.parse((await a.run(['--api', api, 'id'])).out).ID).toBe(peerB)
    expect(JSON.parse((await a.run(['id'], { env: { CAIRN_API: api } })).out).ID).toBe(peerB)
    const added = await a.run(['--api', api, 'add', '-Q'], { input: 'through b' })
    expect((await b.run(['cat', added.out.trim()])).out).toBe('through b')
  })
})

describe('cairn daemon lifecycle', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('stops gracefully on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const daemon = await startDaemon(repo)
      daemon.child.kill(signal)
      expect(await daemon.exited).toBe(0)
      expect(await exists(join(repo.path, 'api'))).toBe(false)
    }
  })

  it('ignores a stale api file left by a crash, and restarts cleanly after kill -9 mid-add', async () => {
    const daemon = await startDaemon(repo)
    const big = join(repo.dir, 'big.bin')
    await writeFile(big, randomBytes(32 * 1024 * 1024))
    const before = await packBytes(repo.path)
    const add = repo.spawn(['add', big])
    // mid-add: the daemon has written some of the file's blocks
    await waitFor(async () => (await packBytes(repo.path)) > before, { timeout: 30_000, message: 'the daemon to write the first blocks of the add' })
    await killDaemon(daemon)
    add.kill('SIGKILL')
    // the api file is stale now; the lock died with the process
    expect(await exists(join(repo.path, 'api'))).toBe(true)
    const verify = await repo.run(['repo', 'verify'])
    expect(verify.code).toBe(0)
    const pins = await repo.run(['pin', 'verify'])
    expect(pins.code).toBe(0)
    const again = await startDaemon(repo)
    const added = await repo.run(['add', '-Q', big])
    expect(added.code).toBe(0)
    expect(await stopDaemon(again)).toBe(0)
  })

  it('requires --api-auth when API.Authorizations is set', async () => {
    const auth = { ci: { AuthSecret: 'bearer:s3cret', AllowedPaths: ['/api/v0'] } }
    expect((await repo.run(['config', 'API.Authorizations', JSON.stringify(auth), '--json'])).code).toBe(0)
    const daemon = await startDaemon(repo)
    try {
      const api = daemon.apiAddr
      const denied = await repo.run(['--api', api, 'repo', 'stat'])
      expect(denied.code).toBe(1)
      expect(denied.stderr).toMatch(/^Error: .*(401|unauthori|authoriz)/i)
      // found through the api file, the daemon's answer is shown too (not the lock error)
      const viaLock = await repo.run(['repo', 'stat'])
      expect(viaLock.code).toBe(1)
      expect(viaLock.stderr).toMatch(/^Error: .*(401|unauthori|authoriz)/i)
      const allowed = await repo.run(['--api', api, '--api-auth', 's3cret', 'repo', 'stat'])
      expect(allowed.code).toBe(0)
      expect((await repo.run(['repo', 'stat'], { env: { CAIRN_API_AUTH: 's3cret' } })).code).toBe(0)
    } finally {
      await stopDaemon(daemon)
      expect((await repo.run(['config', 'API.Authorizations', '{}', '--json'])).code).toBe(0)
    }
  })

  it('refuses to serve the API on a non-loopback address without authorization', async () => {
    expect((await repo.run(['config', 'Addresses.API', '/ip4/0.0.0.0/tcp/0'])).code).toBe(0)
    const result = await repo.run(['daemon'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Error: refusing to serve the RPC API on 0\.0\.0\.0/)
    expect((await repo.run(['config', 'Addresses.API', '/ip4/127.0.0.1/tcp/0'])).code).toBe(0)
  })
})
