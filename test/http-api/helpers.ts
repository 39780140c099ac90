import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { COMMANDS, openNode, parseOptions, type Command, type CommandInput, type CoreNode } from '../../core/index.ts'
import { filesStat } from '../../core/commands/files-stat.ts'
import { shutdown } from '../../core/commands/shutdown.ts'
import type { ImportEntry } from '../../dag/index.ts'
import { initRepo } from '../../repo/index.ts'
import { createRpcClient, createRpcServer, type RpcClient, type RpcServerInit } from '../../http-api/index.ts'

/** The table plus the declarations this folder adds (until they are registered in COMMANDS). */
export const TEST_COMMANDS = [...COMMANDS.filter(c => c.path !== 'files stat' && c.path !== 'shutdown'), filesStat, shutdown]

/** A command of the table by path. */
export function command (path: string): Command {
  const found = TEST_COMMANDS.find(c => c.path === path)
  if (found == null) throw new Error(`no command ${path}`)
  return found
}

/** A daemon-like RPC server on a real repo, listening on 127.0.0.1 with a random port. */
export interface RpcFixture {
  dir: string
  node: CoreNode
  app: FastifyInstance
  port: number
  /** `http://127.0.0.1:<port>` */
  url: string
  client: RpcClient
  shutdowns: number
  /** POSTs (or other methods) with fetch to `/api/v0/<path>`. */
  fetch(path: string, init?: RequestInit & { duplex?: 'half' }): Promise<Response>
  /** Runs a command in-process on the same node, as the CLI would without a daemon. */
  local(path: string, args?: string[], options?: Record<string, unknown>, input?: CommandInput): Promise<unknown> | AsyncIterable<unknown>
  /** Runs a command through the RPC client. */
  remote(path: string, args?: string[], options?: Record<string, unknown>, input?: CommandInput, signal?: AbortSignal): Promise<unknown> | AsyncIterable<unknown>
  close(): Promise<void>
}

export async function startRpc (init: RpcServerInit = {}, config?: (config: Record<string, unknown>) => void): Promise<RpcFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-rpc-'))
  const repoPath = join(dir, 'repo')
  await initRepo(repoPath, { profiles: ['test'] })
  const node = await openNode(repoPath, { offline: true, command: 'cairn daemon (test)' })
  if (config != null) {
    const next = structuredClone(node.repo.config)
    config(next)
    await node.repo.saveConfig(next)
  }
  const fixture = { shutdowns: 0 } as RpcFixture
  const app = createRpcServer({ node, onShutdown: () => { fixture.shutdowns++ } }, { commands: TEST_COMMANDS, ...init })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address == null || typeof address !== 'object') throw new Error('not listening')
  const url = `http://127.0.0.1:${address.port}`
  const client = createRpcClient({ api: `/ip4/127.0.0.1/tcp/${address.port}` })
  return Object.assign(fixture, {
    dir,
    node,
    app,
    port: address.port,
    url,
    client,
    fetch: async (path: string, requestInit: RequestInit & { duplex?: 'half' } = {}) => await fetch(`${url}/api/v0/${path}`, { method: 'POST', ...requestInit }),
    local: (path: string, args: string[] = [], options: Record<string, unknown> = {}, input: CommandInput = {}) => {
      const cmd = command(path)
      return cmd.run({ node, args, options: parseOptions(cmd, options), input, signal: new AbortController().signal, repoPath })
    },
    remote: (path: string, args: string[] = [], options: Record<string, unknown> = {}, input: CommandInput = {}, signal = new AbortController().signal) => {
      const cmd = command(path)
      return client.run(cmd, args, parseOptions(cmd, options), input, signal)
    },
    close: async () => {
      client.close()
      await app.close()
      await node.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
}

/** Collects an async iterable. */
export async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Concatenates byte chunks. */
export async function bytesOf (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array): Promise<Buffer> {
  if (source instanceof Uint8Array) return Buffer.from(source)
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** A JSON answer body, loosely typed for assertions. */
export async function jsonOf (res: Response): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return await res.json() as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type { ImportEntry }

/** A file entry with the given bytes, for `add`. */
export function file (path: string, content: Uint8Array | string): ImportEntry {
  return { path, type: 'file', content: [typeof content === 'string' ? new TextEncoder().encode(content) : content] }
}

/** Import entries as an async iterable. */
export async function * entries (...items: ImportEntry[]): AsyncGenerator<ImportEntry> {
  yield * items
}

/** Deterministic pseudo-random bytes. */
export function randomBytesOf (size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/**
 * Every chunk a server hands back to `blocks` (lent reads) while `run` runs, in order; checks that
 * `rounds` reads of a file of `leaves` lent leaves released each leaf once, and that a later round
 * read into buffers an earlier one handed back.
 */
export async function expectReleasedAndReused (blocks: CoreNode['blocks'], rounds: number, leaves: number, run: () => Promise<void>): Promise<void> {
  const release = blocks.release
  const released: Uint8Array[] = []
  blocks.release = (bytes) => { released.push(bytes); release?.(bytes) }
  try {
    await run()
  } finally {
    blocks.release = release
  }
  expect(released).toHaveLength(rounds * leaves)
  const first = new Set(released.slice(0, leaves).map(bytes => bytes.buffer))
  expect(released.slice(leaves).some(bytes => first.has(bytes.buffer))).toBe(true)
}
