/**
 * `key gen`, `key list` (`key ls`), `key rm`, `key rename`, `key import`, `key export`: the
 * keystore IPNS names are published with, in Kubo's shapes (core/commands/keystore.go). Names
 * print as base36 libp2p-key CIDs unless `--ipns-base` says otherwise (`base58btc`: peer IDs).
 *
 * The naming code (and `@libp2p/crypto` with it) loads only when a key command runs: every other
 * command's start-up stays free of it.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { InvalidArgumentError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'
import type { OptionSpec } from '../command.ts'
import type { CoreNode } from '../node.ts'
import type { Keystore, Naming } from '../../naming/index.ts'

/** The naming module, loaded on first use. */
export async function namingModule (): Promise<typeof import('../../naming/index.ts')> {
  return await import('../../naming/index.ts')
}

/** A node as the naming commands see it: the composition root may attach these. */
export type NamingNode = CoreNode & { keystore?: Keystore, naming?: Naming }

/** The node's keystore: the one the node carries, else opened from the repo (offline commands). */
export async function keystoreOf (node: CoreNode): Promise<Keystore> {
  const attached = (node as NamingNode).keystore
  if (attached != null) return attached
  const { openKeystore } = await namingModule()
  return openKeystore(node.repo.root, node.repo.config.Identity.PrivKey)
}

/** `--ipns-base`, as Kubo's. */
export const IPNS_BASE_OPTION: OptionSpec = { name: 'ipns-base', type: 'string', default: 'base36', description: 'encoding of IPNS names printed: base36 (k51…), base32, base58btc (peer ID), …' }

/** One key, Kubo's shape. */
export interface KeyOutput {
  Name: string
  Id: string
}

/** `key list` and `key rm` output, Kubo's shape. */
export interface KeyListOutput {
  Keys: KeyOutput[]
}

async function format (id: Uint8Array, options: Record<string, unknown>): Promise<string> {
  const { formatIpnsName } = await namingModule()
  return formatIpnsName(id, String(options['ipns-base'] ?? 'base36'))
}

const listText = (value: KeyListOutput, options: Record<string, unknown>): string =>
  value.Keys.map(k => options.l === true ? `${k.Id} ${k.Name}` : k.Name).join('\n')

export const keyGen = defineCommand<KeyOutput>({
  path: 'key gen',
  description: 'Create a new keypair in the keystore',
  args: [{ name: 'name', required: true, description: 'name of the key to create' }],
  options: [
    { name: 'type', short: 't', type: 'string', default: 'ed25519', choices: ['ed25519', 'rsa'], description: 'type of key to create' },
    { name: 'size', short: 's', type: 'number', description: 'size of the key to generate (rsa only; default 2048)' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: value => value.Id,
  async run ({ node, args, options }) {
    const keystore = await keystoreOf(node)
    const key = await keystore.gen(args[0], { type: options.type as 'ed25519' | 'rsa', size: options.size as number | undefined })
    return { Name: key.name, Id: await format(key.id, options) }
  }
})

export const keyList = defineCommand<KeyListOutput>({
  path: 'key list',
  description: 'List all local keypairs',
  args: [],
  options: [
    { name: 'l', short: 'l', type: 'boolean', default: false, description: 'show the IPNS name of each key too' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: listText,
  async run ({ node, options }) {
    const keys = await (await keystoreOf(node)).list()
    return { Keys: await Promise.all(keys.map(async k => ({ Name: k.name, Id: await format(k.id, options) }))) }
  }
})

/** `key ls`: Kubo's older spelling of `key list`. */
export const keyLs = defineCommand<KeyListOutput>({ ...keyList, path: 'key ls', description: 'List all local keypairs (same as key list)' })

export const keyRm = defineCommand<KeyListOutput>({
  path: 'key rm',
  description: 'Remove keypairs from the keystore (self cannot be removed)',
  args: [{ name: 'name', required: true, variadic: true, description: 'names of the keys to remove' }],
  options: [
    { name: 'l', short: 'l', type: 'boolean', default: false, description: 'show the IPNS name of each key too' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: listText,
  async run ({ node, args, options }) {
    const keystore = await keystoreOf(node)
    const removed: KeyOutput[] = []
    for (const name of args) {
      const key = await keystore.rm(name)
      removed.push({ Name: key.name, Id: await format(key.id, options) })
    }
    return { Keys: removed }
  }
})

/** `key rename` output, Kubo's shape. */
export interface KeyRenameOutput {
  Was: string
  Now: string
  Id: string
  Overwrite: boolean
}

export const keyRename = defineCommand<KeyRenameOutput>({
  path: 'key rename',
  description: 'Rename a keypair (self cannot be renamed)',
  args: [
    { name: 'name', required: true, description: 'name of the key to rename' },
    { name: 'newName', required: true, description: 'new name of the key' }
  ],
  options: [
    { name: 'force', short: 'f', type: 'boolean', default: false, description: 'allow overwriting an existing key' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: value => `${value.Overwrite ? `Key ${value.Now} was overwritten.\n` : ''}Key ${value.Id} was renamed to "${value.Now}"`,
  async run ({ node, args, options }) {
    const keystore = await keystoreOf(node)
    const key = await keystore.rename(args[0], args[1], { force: options.force === true })
    return { Was: args[0], Now: key.name, Id: await format(key.id, options), Overwrite: key.overwritten }
  }
})

export const keyImport = defineCommand<KeyOutput>({
  path: 'key import',
  description: 'Import a key (a libp2p protobuf private key file, as `key export` writes) into the keystore',
  args: [
    { name: 'name', required: true, description: 'name to give the key' },
    // read by the CLI and sent as the request's file part (a daemon's folder is not the user's)
    { name: 'file', description: 'the key file, as key export writes it (stdin when absent)' }
  ],
  input: 'files',
  options: [
    { name: 'format', short: 'f', type: 'string', default: 'libp2p-protobuf-cleartext', choices: ['libp2p-protobuf-cleartext'], description: 'the key file format' },
    IPNS_BASE_OPTION
  ],
  output: 'value',
  text: value => value.Id,
  async run ({ node, args, options, input, signal }) {
    let bytes: Uint8Array | undefined
    for await (const file of input.files ?? []) {
      const chunks: Uint8Array[] = []
      for await (const chunk of file.content) chunks.push(chunk)
      bytes = Buffer.concat(chunks)
      break
    }
    if (bytes == null) {
      try {
        bytes = await readFile(args[1], { signal })
      } catch (err) {
        throw new InvalidArgumentError(`cannot read the key file ${args[1]}: ${(err as Error).message}`, { cause: err })
      }
    }
    const key = await (await keystoreOf(node)).import(args[0], bytes)
    return { Name: key.name, Id: await format(key.id, options) }
  }
})

export const keyExport = defineCommand<Uint8Array>({
  path: 'key export',
  description: 'Write a key as libp2p protobuf private key bytes (Kubo writes them to <name>.key); the only way a private key leaves the repo',
  args: [{ name: 'name', required: true, description: 'name of the key to export' }],
  options: [
    { name: 'output', short: 'o', type: 'string', description: 'the file to write (default <name>.key in the current folder; - for stdout)' },
    { name: 'format', short: 'f', type: 'string', default: 'libp2p-protobuf-cleartext', choices: ['libp2p-protobuf-cleartext'], description: 'the key file format' }
  ],
  output: 'bytes',
  // as Kubo's: the CLI writes a file, over RPC the bytes are the answer
  saveBytesTo: (args, options) => {
    const output = typeof options.output === 'string' && options.output !== '' ? options.output : `${basename(args[0])}.key`
    return output === '-' ? undefined : output
  },
  async * run ({ node, args }) {
    yield await (await keystoreOf(node)).export(args[0])
  }
})
