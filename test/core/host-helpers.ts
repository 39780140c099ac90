import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { checkArgs, parseOptions, type Command, type CommandRequest } from '../../core/command.ts'
import { defaultConfig, PROFILES, type Config } from '../../repo/index.ts'
import type { CairnHost } from '../../core/libp2p/index.ts'
import type { CoreNode } from '../../core/node.ts'

/** A fresh config with a new Ed25519 identity and the `test` profile (loopback, port 0). */
export async function testConfig (extra: Record<string, unknown> = {}): Promise<Config> {
  const key = await generateKeyPair('Ed25519')
  const config = defaultConfig({
    PeerID: peerIdFromPrivateKey(key).toString(),
    PrivKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  })
  PROFILES.test.apply(config)
  return { ...config, ...extra }
}

/** The parts of a node the network commands read: the repo's config (and saveConfig) and the host. */
export interface TestNode {
  repo: { config: Config, saveConfig(config: Config): Promise<void> }
  host?: CairnHost
}

/** A node whose config lives in memory only. */
export function memoryNode (config: Config, host?: CairnHost): TestNode {
  const node: TestNode = {
    repo: {
      config,
      async saveConfig (next) { node.repo.config = next }
    },
    host
  }
  return node
}

/**
 * Runs a command the way the CLI and the RPC do (arguments checked, options parsed and
 * defaulted), collecting a stream's values into an array.
 */
export async function runCommand<V> (
  command: Command<V>, node: TestNode | CoreNode, args: string[] = [], options: Record<string, unknown> = {},
  signal: AbortSignal = AbortSignal.timeout(30_000)
): Promise<V[]> {
  checkArgs(command as Command, args)
  const request: CommandRequest = {
    node: node as CoreNode,
    args,
    options: parseOptions(command as Command, options),
    input: {},
    signal,
    repoPath: ''
  }
  const result = command.run(request)
  if (Symbol.asyncIterator in result) {
    const values: V[] = []
    for await (const value of result) values.push(value)
    return values
  }
  return [await result]
}

