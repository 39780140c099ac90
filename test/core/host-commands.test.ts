/**
 * The network commands without a running host: bootstrap edits the config, id works from the
 * config, everything else fails fast with OfflineError; and the host's option resolution.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publicKeyToProtobuf, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrap, bootstrapAdd, bootstrapListCommand, bootstrapRm } from '../../core/commands/bootstrap.ts'
import { id } from '../../core/commands/id.ts'
import { formatGoDuration, humanBytes } from '../../core/commands/kubo-format.ts'
import { pingCommand } from '../../core/commands/ping.ts'
import { statsBw } from '../../core/commands/stats.ts'
import { swarmAddrs, swarmAddrsLocal, swarmConnect, swarmDisconnect, swarmPeers } from '../../core/commands/swarm.ts'
import {
  AGENT_VERSION, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP, resolveHostOptions
} from '../../core/libp2p/index.ts'
import { DEFAULT_BOOTSTRAP, DEFAULT_SWARM_ADDRS, initRepo, Repo } from '../../repo/index.ts'
import { memoryNode, runCommand, testConfig } from './host-helpers.ts'

const PEER_A = '12D3KooWQYV9dGMFoRzNStwpXztXaBUjtPqi6aU76ZgUriHhKust'
const PEER_B = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'
const ADDR_A1 = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER_A}`
const ADDR_A2 = `/ip6/::1/tcp/4001/p2p/${PEER_A}`
const ADDR_B = `/ip4/127.0.0.1/tcp/4002/p2p/${PEER_B}`

describe('bootstrap (edits the config only)', () => {
  let dir: string
  let repo: Repo

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-bootstrap-'))
    await initRepo(dir, { profiles: ['test'] })
    repo = await Repo.open(dir)
  })
  afterAll(async () => {
    await repo?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const saved = async (): Promise<unknown> => JSON.parse(await readFile(join(dir, 'config'), 'utf8')).Bootstrap
  const node = (): { repo: Repo } => ({ repo })

  it('starts empty, adds addresses once each and persists them', async () => {
    expect(await runCommand(bootstrapListCommand, node())).toEqual([{ Peers: [] }])
    expect(await runCommand(bootstrapAdd, node(), [ADDR_A1, ADDR_B, ADDR_A1])).toEqual([{ Peers: [ADDR_A1, ADDR_B] }])
    expect(await runCommand(bootstrapAdd, node(), [ADDR_B, ADDR_A2])).toEqual([{ Peers: [ADDR_A2] }])
    expect(await saved()).toEqual([ADDR_A1, ADDR_B, ADDR_A2])
    expect(await runCommand(bootstrap, node())).toEqual([{ Peers: [ADDR_A1, ADDR_B, ADDR_A2] }])
  })

  it('removes one address, or every address of a bare /p2p/ peer', async () => {
    expect(await runCommand(bootstrapRm, node(), [ADDR_B])).toEqual([{ Peers: [ADDR_B] }])
    expect(await saved()).toEqual([ADDR_A1, ADDR_A2])
    expect(await runCommand(bootstrapRm, node(), [`/p2p/${PEER_A}`])).toEqual([{ Peers: [ADDR_A1, ADDR_A2] }])
    expect(await saved()).toEqual([])
    expect(await runCommand(bootstrapRm, node(), [ADDR_B])).toEqual([{ Peers: [] }])
  })

  it('--default adds the public bootstrap peers, --all removes everything', async () => {
    // Kubo's Amino list, the js bootstrapper and QUIC included
    expect(DEFAULT_BOOTSTRAP).toContain('/dnsaddr/va1.bootstrap.libp2p.io/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8')
    expect(DEFAULT_BOOTSTRAP).toContain('/ip4/104.131.131.82/udp/4001/quic-v1/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ')
    expect(DEFAULT_BOOTSTRAP).toHaveLength(7)
    await runCommand(bootstrapAdd, node(), [ADDR_B])
    expect(await runCommand(bootstrapAdd, node(), [], { default: true })).toEqual([{ Peers: DEFAULT_BOOTSTRAP }])
    expect(await saved()).toEqual([ADDR_B, ...DEFAULT_BOOTSTRAP])
    expect(await runCommand(bootstrapAdd, node(), [], { default: true })).toEqual([{ Peers: [] }])
    expect(await runCommand(bootstrapRm, node(), [], { all: true })).toEqual([{ Peers: [ADDR_B, ...DEFAULT_BOOTSTRAP] }])
    expect(await saved()).toEqual([])
  })

  it('refuses invalid addresses with a clear error and changes nothing', async () => {
    await runCommand(bootstrapAdd, node(), [ADDR_B])
    const cases: Array<[string, RegExp]> = [
      ['/ip4/127.0.0.1/tcp/4001', /must end in \/p2p\/<peer ID>/],
      ['not-a-multiaddr', /not a valid multiaddr/],
      ['/ip4/300.0.0.1/tcp/1/p2p/' + PEER_A, /not a valid multiaddr/],
      ['/ip4/127.0.0.1/tcp/1/p2p/notapeer', /"notapeer" is not a valid peer ID/]
    ]
    for (const [address, message] of cases) {
      const error = await runCommand(bootstrapAdd, node(), [ADDR_A1, address]).catch((err: Error) => err)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).name).toBe('InvalidArgumentError')
      expect((error as Error).message).toMatch(/invalid bootstrap address/)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toContain(address)
    }
    expect(await saved()).toEqual([ADDR_B])
    await expect(runCommand(bootstrapRm, node(), ['/ip4/127.0.0.1/tcp/4001'])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(runCommand(bootstrapAdd, node())).rejects.toMatchObject({ name: 'InvalidArgumentError', message: /--default/ })
    await expect(runCommand(bootstrapRm, node())).rejects.toMatchObject({ name: 'InvalidArgumentError', message: /--all/ })
    expect(await saved()).toEqual([ADDR_B])
  })
})

describe('network commands without a host', () => {
  it('fail fast with OfflineError', async () => {
    const node = memoryNode(await testConfig())
    const calls: Array<Promise<unknown>> = [
      runCommand(swarmPeers, node),
      runCommand(swarmConnect, node, [ADDR_A1]),
      runCommand(swarmDisconnect, node, [ADDR_A1]),
      runCommand(swarmAddrs, node),
      runCommand(swarmAddrsLocal, node),
      runCommand(pingCommand, node, [PEER_A]),
      runCommand(statsBw, node),
      runCommand(id, node, [PEER_A])
    ]
    const started = Date.now()
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({ name: 'OfflineError', message: 'this command needs a running daemon (cairn daemon)' })
    }
    expect(Date.now() - started).toBeLessThan(1_000)
    for (const command of [swarmPeers, swarmConnect, swarmDisconnect, swarmAddrs, swarmAddrsLocal, pingCommand, statsBw]) {
      expect(command.network).toBe(true)
    }
    expect(id.network).not.toBe(true)
    expect(bootstrapAdd.network).not.toBe(true)
  })

  it('id with no argument (or its own peer ID) answers from the config', async () => {
    const config = await testConfig()
    const node = memoryNode(config)
    const publicKey = privateKeyFromProtobuf(Buffer.from(config.Identity.PrivKey, 'base64')).publicKey
    const expected = {
      ID: config.Identity.PeerID,
      PublicKey: Buffer.from(publicKeyToProtobuf(publicKey)).toString('base64'),
      Addresses: [],
      AgentVersion: AGENT_VERSION,
      Protocols: []
    }
    expect(await runCommand(id, node)).toEqual([expected])
    expect(await runCommand(id, node, [config.Identity.PeerID])).toEqual([expected])
    expect(AGENT_VERSION).toMatch(/^cairn\/\d+\.\d+\.\d+/)
    expect(id.text?.(expected, {})).toBe(JSON.stringify(expected, null, '\t'))
    expect(id.text?.(expected, { format: '<id>\\n<aver>' })).toBe(`${expected.ID}\n${AGENT_VERSION}`)
    await expect(runCommand(id, node, ['nonsense'])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })
})

describe('host options', () => {
  it('defaults, config values and init overrides resolve in one place', async () => {
    const config = await testConfig()
    delete (config.Addresses as Record<string, unknown>).Swarm
    expect(resolveHostOptions(config)).toMatchObject({
      listen: DEFAULT_SWARM_ADDRS,
      maxConnections: DEFAULT_MAX_CONNECTIONS,
      maxConnectionsPerIP: DEFAULT_MAX_CONNECTIONS_PER_IP,
      bootstrap: [],
      agentVersion: AGENT_VERSION
    })
    const configured = await testConfig({ Swarm: { MaxConnections: 50, MaxConnectionsPerIP: 2 }, Bootstrap: [ADDR_A1] })
    expect(resolveHostOptions(configured)).toMatchObject({
      listen: ['/ip4/127.0.0.1/tcp/0'], maxConnections: 50, maxConnectionsPerIP: 2, bootstrap: [ADDR_A1]
    })
    expect(resolveHostOptions(configured, { maxConnectionsPerIP: 3, listen: [] })).toMatchObject({ maxConnectionsPerIP: 3, listen: [] })
    expect(resolveHostOptions(await testConfig({ Swarm: { MaxConnections: null } })).maxConnections).toBe(DEFAULT_MAX_CONNECTIONS)
  })

  it('refuses unusable values with InvalidConfigError naming the key', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ Swarm: { MaxConnections: 0 } }, /Swarm\.MaxConnections/],
      [{ Swarm: { MaxConnectionsPerIP: 'many' } }, /Swarm\.MaxConnectionsPerIP/],
      [{ Addresses: { Swarm: ['/ip4/nope/tcp/1'] } }, /Addresses\.Swarm/],
      [{ Bootstrap: ['/ip4/127.0.0.1/tcp/1'] }, /Bootstrap/]
    ]
    for (const [extra, message] of bad) {
      let error: unknown
      try {
        resolveHostOptions({ Identity: { PeerID: '', PrivKey: '' }, ...extra })
      } catch (err) {
        error = err
      }
      expect(error).toMatchObject({ name: 'InvalidConfigError', message })
    }
  })
})

describe('formatting', () => {
  it('writes durations as Go does and bytes as go-humanize does', () => {
    expect(formatGoDuration(0)).toBe('0s')
    expect(formatGoDuration(512)).toBe('512ns')
    expect(formatGoDuration(250_000)).toBe('250µs')
    expect(formatGoDuration(1_500_000)).toBe('1.5ms')
    expect(formatGoDuration(2_000_000_000)).toBe('2s')
    expect(formatGoDuration(123_500_000_000)).toBe('2m3.5s')
    expect(humanBytes(0)).toBe('0 B')
    expect(humanBytes(999)).toBe('999 B')
    expect(humanBytes(1_234)).toBe('1.2 kB')
    expect(humanBytes(12_345_678)).toBe('12 MB')
  })
})
