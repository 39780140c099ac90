/**
 * `version --number/--all`, `commands`, `log level`/`log ls`, `diag sys` and the `cid` family,
 * in Kubo's shapes: from the CLI (offline and through a daemon) and over the RPC API with
 * kubo-rpc-client where it has the call.
 */
import { readFile } from 'node:fs/promises'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, runCairn, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { waitFor } from '../helpers/wait.ts'

const V0 = 'QmZZRTyhDpL5Jgift1cHbAhexeE1m2Hw8x8g7rTcPahDvo'
const V1_BASE32 = 'bafybeifgwyq5gs4l2mru5klgwjfmftjvkmbyyjurbupuz2bst7mhmg2hwa'
const V1_BASE58 = 'zdj7WgefqQm5HogBQ2bckZuTYYDarRTUZi51GYCnerHD2G86j'

describe('info commands from the CLI', () => {
  it('version: the plain line, --number, --repo and --all (Kubo\'s four lines)', async () => {
    const version = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version as string
    expect((await runCairn(['version'])).out).toBe(`cairn version ${version}\n`)
    expect((await runCairn(['version', '--number'])).out).toBe(`${version}\n`)
    expect((await runCairn(['version', '-n'])).out).toBe(`${version}\n`)
    expect((await runCairn(['version', '--repo'])).out).toBe('1\n')
    const all = (await runCairn(['version', '--all'])).out
    expect(all).toBe(`Cairn version: ${version}\nRepo version: 1\nSystem version: ${process.arch}/${process.platform}\nNode.js version: node-${process.version}\n`)
    expect(JSON.parse((await runCairn(['version', '--all', '--enc=json'])).out)).toMatchObject({ Version: version, Repo: '1' })
  })

  it('commands: every command path, sorted, and with --flags their options', async () => {
    const lines = (await runCairn(['commands'])).out.trimEnd().split('\n')
    expect(lines).toEqual([...lines].sort())
    for (const path of ['cairn', 'cairn add', 'cairn pin', 'cairn pin add', 'cairn daemon', 'cairn init', 'cairn cid format', 'cairn log level', 'cairn diag sys', 'cairn commands']) {
      expect(lines).toContain(path)
    }
    const flags = (await runCairn(['commands', '--flags'])).out.split('\n')
    expect(flags).toContain('cairn add --quiet / cairn add -q')
    expect(flags).toContain('cairn cid format -f')
    expect(flags).not.toContain('cairn --offline')
  })

  it('cid format and base32 convert as Kubo does, reporting bad CIDs beside the good ones', async () => {
    expect((await runCairn(['cid', 'format', V0])).out).toBe(`${V0}\n`)
    expect((await runCairn(['cid', 'format', '-v', '1', '-b', 'base58btc', V0])).out).toBe(`${V1_BASE58}\n`)
    expect((await runCairn(['cid', 'format', '-v', '0', V1_BASE32])).out).toBe(`${V0}\n`)
    expect((await runCairn(['cid', 'format', '--mc', 'raw', '-b', 'base32', 'bafybeievd6mwe6vcwnkwo3eizs3h7w3a34opszbyfxziqdxguhjw7imdve'])).out)
      .toBe('bafkreievd6mwe6vcwnkwo3eizs3h7w3a34opszbyfxziqdxguhjw7imdve\n')
    expect((await runCairn(['cid', 'format', '-f', '%P %b %V %c %C %h %H %L', V1_BASE32])).out)
      .toBe('cidv1-dag-pb-sha2-256-32 base32 1 dag-pb 112 sha2-256 18 32\n')
    const digest = Buffer.from(CID.parse(V0).multihash.digest).toString('hex')
    expect((await runCairn(['cid', 'format', '-f', '%d|%D|%S', '-b', 'base16', V0])).out)
      .toBe(`f${digest}|${digest}|01701220${digest}\n`)
    expect((await runCairn(['cid', 'base32', V0, V1_BASE58])).out).toBe(`${V1_BASE32}\n${V1_BASE32}\n`)

    const mixed = await runCairn(['cid', 'base32', V0, 'not-a-cid'])
    expect(mixed.code).toBe(1)
    expect(mixed.out).toBe(`${V1_BASE32}\n`)
    expect(mixed.stderr).toMatch(/^not-a-cid: invalid CID/m)
    expect(mixed.stderr).toMatch(/^Error: errors while displaying some entries\n$/m)

    for (const [args, message] of [
      [['-v', '0', '--mc', 'raw'], /cannot convert to CIDv0 with any codec other than dag-pb/],
      [['-v', '0', '-b', 'base32'], /cannot convert to CIDv0 with any multibase other than the implicit base58btc/],
      [['-v', '7'], /invalid cid version: "7"/],
      [['-f', 'plain'], /invalid format string/],
      [['-f', '%q'], /unknown specifier %q/],
      [['-b', 'base99'], /unknown multibase "base99"/],
      [['--mc', 'nope'], /unknown codec "nope"/]
    ] as const) {
      const result = await runCairn(['cid', 'format', ...args, V1_BASE32])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(message)
    }
    const notDagPb = await runCairn(['cid', 'format', '-v', '0', 'bafkreievd6mwe6vcwnkwo3eizs3h7w3a34opszbyfxziqdxguhjw7imdve'])
    expect(notDagPb.code).toBe(1)
    expect(notDagPb.stderr).toMatch(/: can't convert non-dag-pb nodes to cidv0/)
  })

  it('cid bases, codecs and hashes list in Kubo\'s text shapes', async () => {
    const bases = (await runCairn(['cid', 'bases'])).out.split('\n')
    expect(bases).toEqual(expect.arrayContaining(['identity', 'base2', 'base16', 'base32', 'base36', 'base58btc', 'base64url', 'base256emoji']))
    const prefixed = (await runCairn(['cid', 'bases', '--prefix'])).out.split('\n')
    expect(prefixed).toEqual(expect.arrayContaining(['b  base32', 'B  base32upper', 'z  base58btc', '🚀  base256emoji', '   identity']))
    // Kubo's order: by prefix letter ignoring case, lower case first
    expect(prefixed.indexOf('b  base32')).toBe(prefixed.indexOf('B  base32upper') - 1)
    const numeric = (await runCairn(['cid', 'bases', '--numeric'])).out.split('\n')
    expect(numeric).toEqual(expect.arrayContaining(['     98  base32', ' 128640  base256emoji']))
    const both = (await runCairn(['cid', 'bases', '--prefix', '--numeric'])).out.split('\n')
    expect(both).toEqual(expect.arrayContaining(['b      98  base32', 'Z      90  base58flickr', '🚀  128640  base256emoji']))

    expect((await runCairn(['cid', 'codecs'])).out).toBe('cbor\nraw\ndag-pb\ndag-cbor\nlibp2p-key\ndag-json\njson\n')
    expect((await runCairn(['cid', 'codecs', '--numeric', '--supported'])).out.split('\n')).toEqual(expect.arrayContaining(['  112  dag-pb', '  297  dag-json', '  512  json']))
    const hashes = (await runCairn(['cid', 'hashes', '-n'])).out.split('\n')
    expect(hashes.slice(0, 3)).toEqual(['    0  identity', '   17  sha1', '   18  sha2-256'])
    expect(hashes).toEqual(expect.arrayContaining(['45600  blake2b-256', '45632  blake2b-512', '45664  blake2s-256']))
    const json = JSON.parse((await runCairn(['cid', 'codecs', '--enc=json'])).out) as Array<{ Code: number, Name: string }>
    expect(json).toContainEqual({ Code: 0x70, Name: 'dag-pb' })
  })
})

describe('info commands on a repo, offline and through a daemon', () => {
  let repo: TestRepo
  let daemon: RunningDaemon | undefined
  let output: () => string
  let ipfs: KuboRPCClient
  let api: string

  beforeAll(async () => {
    repo = await createTestRepo()
    // offline first, before the daemon holds the repo
    const level = await repo.run(['log', 'level', 'all', 'debug'])
    expect(level.code).toBe(1)
    expect(level.stderr).toMatch(/^Error: log level changes the logging of a running daemon: start one with "cairn daemon" first/)
    const ls = await repo.run(['log', 'ls'])
    expect(ls.out.split('\n')).toContain('cairn:blockstore:store')
    const sys = JSON.parse((await repo.run(['diag', 'sys'])).out)
    expect(sys.net.online).toBe(false)

    daemon = await startDaemon(repo, { args: ['--offline'], env: { DEBUG: '' } })
    output = daemon.output
    api = daemon.api
    ipfs = create({ url: api })
  })
  afterAll(async () => {
    if (daemon != null) await stopDaemon(daemon)
    await repo?.cleanup()
  })

  it('kubo-rpc-client: version, commands (Kubo\'s tree), log ls, log level, diag sys', async () => {
    const version = await ipfs.version()
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/)
    const tree = await ipfs.commands() as unknown as { Name: string, Subcommands: Array<{ Name: string, Subcommands: unknown[], Options: Array<{ Names: string[] }> }>, Options: Array<{ Names: string[] }> }
    expect(tree.Name).toBe('cairn')
    expect(tree.Options).toContainEqual({ Names: ['repo-dir'] })
    expect(tree.Options).toContainEqual({ Names: ['debug', 'D'] })
    const names = tree.Subcommands.map(s => s.Name)
    expect(names).toEqual(expect.arrayContaining(['add', 'cat', 'cid', 'daemon', 'init', 'log', 'diag', 'commands', 'version']))
    const add = tree.Subcommands.find(s => s.Name === 'add')
    expect(add?.Options).toContainEqual({ Names: ['quiet', 'q'] })
    expect(add?.Subcommands).toEqual([])

    const subsystems = await ipfs.log.ls() as string[]
    expect(subsystems).toEqual(expect.arrayContaining(['cairn:blockstore:store', 'cairn:http-api:rpc']))

    // the daemon runs without DEBUG: nothing is logged until a level says so
    expect((await repo.run(['add', '-Q'], { input: 'before the level' })).code).toBe(0)
    expect(output()).not.toContain('cairn:blockstore:store')
    const changed = await ipfs.log.level('cairn:blockstore:store', 'debug')
    expect(changed).toEqual({ message: 'Changed log level of \'cairn:blockstore:store\' to \'debug\'\n' })
    expect((await repo.run(['add', '-Q'], { input: 'after the level' })).code).toBe(0)
    await waitFor(() => /cairn:blockstore:store stored \d+ new blocks/.test(output()), { timeout: 10_000, message: () => output() })

    const sys = await ipfs.diag.sys() as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(sys.ipfs_version).toBe(version.version)
    expect(sys.ipfs_commit).toBe('')
    expect(sys.runtime).toMatchObject({ os: process.platform, arch: process.arch, version: `node-${process.version}` })
    expect(sys.environment.CAIRN_PATH).toBe(repo.path)
    expect(sys.diskinfo.total_space).toBeGreaterThan(0)
    expect(sys.net.online).toBe(false)
    expect(sys.net.interface_addresses).toContain('/ip4/127.0.0.1')
  })

  it('log level through the CLI: all/* and errors-only turn namespaces off again; bad levels are refused', async () => {
    const all = await repo.run(['log', 'level', 'all', 'error'])
    expect(all.stderr).toBe('')
    expect(all.out).toBe('Changed log level of \'*\' to \'error\'\n')
    const before = output().length
    expect((await repo.run(['add', '-Q'], { input: 'quiet again' })).code).toBe(0)
    expect(output().slice(before)).not.toMatch(/cairn:blockstore:store stored/)
    const levels = JSON.parse((await repo.run(['log', 'level', '--enc=json'])).out)
    expect(levels).toEqual({ Levels: { '(default)': 'error' } })
    const bad = await repo.run(['log', 'level', 'cairn:core:node', 'loud'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: unknown log level "loud": use one of debug, info, warn, error, dpanic, panic, fatal/)
  })

  it('the cid family and commands over the RPC API, in Kubo\'s JSON shapes', async () => {
    const url = `${api}/api/v0`
    const format = await fetch(`${url}/cid/format?arg=${V0}&arg=bad&v=1&b=base58btc`, { method: 'POST' })
    expect(format.status).toBe(200)
    const lines = (await format.text()).trim().split('\n').map(l => JSON.parse(l))
    expect(lines[0]).toEqual({ CidStr: V0, Formatted: V1_BASE58, ErrorMsg: '' })
    expect(lines[1]).toMatchObject({ CidStr: 'bad', Formatted: '' })
    expect(lines[1].ErrorMsg).toMatch(/invalid CID/)
    const bases = await (await fetch(`${url}/cid/bases`, { method: 'POST' })).json()
    expect(bases).toContainEqual({ Code: 98, Name: 'base32' })
    const hashes = await (await fetch(`${url}/cid/hashes`, { method: 'POST' })).json()
    expect(hashes).toContainEqual({ Code: 18, Name: 'sha2-256' })
    // the CLI through the daemon prints what it prints offline
    expect((await repo.run(['diag', 'sys', '--enc=json'])).out).toMatch(/"ipfs_version"/)
  })
})
