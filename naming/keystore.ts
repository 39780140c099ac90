/**
 * The repo's keystore: the private keys IPNS names are published with. Each key is a file in the
 * repo's `keystore/` folder holding the libp2p protobuf private key, named like Kubo's
 * (`key_` + lowercase unpadded base32 of the key name, so any name is a safe file name), written
 * owner-only (files 0600, folder 0700). `self` is the node identity from the config's
 * `Identity.PrivKey`: it is never stored here and cannot be removed, renamed or overwritten.
 */
import { chmod, mkdir, open, readFile, readdir, rename as renameFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { base32 } from 'multiformats/bases/base32'
import { InvalidKeyError, KeyExistsError, KeyNotFoundError, KeyProtectedError } from '../errors/index.ts'
import type { PrivateKey } from '@libp2p/interface'

/** The name of the node's identity key. */
export const SELF_KEY = 'self'
/** The folder of the keystore inside a repo. */
export const KEYSTORE_DIR = 'keystore'
/** Key file prefix, as Kubo's keystore. */
const FILE_PREFIX = 'key_'
/** Default RSA size for `key gen --type rsa` (Kubo's). */
export const DEFAULT_RSA_BITS = 2048
/** The smallest RSA key Cairn makes or accepts (go-libp2p's `MinRsaKeyBits`). */
export const MIN_RSA_BITS = 2048

/** The key types `key gen` makes. */
export type KeyType = 'ed25519' | 'rsa'

/** A key as listed: its name and its IPNS name (the public key's multihash). */
export interface KeyInfo {
  name: string
  /** The multihash of the public key: the IPNS name it publishes under. */
  id: Uint8Array
}

/** Options of {@link Keystore.gen}. */
export interface GenOptions {
  /** Default `ed25519`. */
  type?: KeyType
  /** RSA size in bits. Default {@link DEFAULT_RSA_BITS}. */
  size?: number
}

function checkName (name: string): void {
  if (name === '' || name.includes('/') || name.startsWith('.') || name.length > 255) {
    throw new InvalidKeyError(`invalid key name "${name}": it must be non-empty, at most 255 characters, without "/" and not start with "."`)
  }
}

const fileOf = (name: string): string => FILE_PREFIX + base32.baseEncode(new TextEncoder().encode(name))

function nameOf (file: string): string | undefined {
  if (!file.startsWith(FILE_PREFIX)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(base32.baseDecode(file.slice(FILE_PREFIX.length)))
  } catch {
    return undefined
  }
}

/** Decodes libp2p protobuf private key bytes, or throws `InvalidKeyError`. */
export function decodePrivateKey (bytes: Uint8Array): PrivateKey {
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidKeyError('not a libp2p protobuf private key', { cause: err })
  }
}

/** The repo keystore (see the module comment). */
export class Keystore {
  readonly dir: string
  private readonly self: PrivateKey

  /** `dir` is the keystore folder; `self` the node identity key. Use {@link openKeystore}. */
  constructor (dir: string, self: PrivateKey) {
    this.dir = dir
    this.self = self
  }

  private path (name: string): string {
    return join(this.dir, fileOf(name))
  }

  /** Writes a new key file owner-only; never replaces an existing one. */
  private async write (name: string, key: PrivateKey): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    let handle
    try {
      handle = await open(this.path(name), 'wx', 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(`key "${name}" already exists`, { cause: err })
      throw err
    }
    try {
      await handle.writeFile(privateKeyToProtobuf(key))
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  /** True when a key of that name exists (`self` always does). */
  async has (name: string): Promise<boolean> {
    if (name === SELF_KEY) return true
    checkName(name)
    return readFile(this.path(name)).then(() => true, () => false)
  }

  /** The private key of a name. Throws `KeyNotFoundError`. */
  async get (name: string): Promise<PrivateKey> {
    if (name === SELF_KEY) return this.self
    checkName(name)
    let bytes: Uint8Array
    try {
      bytes = await readFile(this.path(name))
    } catch (err) {
      throw new KeyNotFoundError(`no key named "${name}"`, { cause: err })
    }
    return decodePrivateKey(bytes)
  }

  /** Generates and stores a new key. Throws `KeyExistsError`, `KeyProtectedError` for `self`. */
  async gen (name: string, options: GenOptions = {}): Promise<KeyInfo> {
    this.checkWritable(name)
    const type = options.type ?? 'ed25519'
    let key: PrivateKey
    if (type === 'ed25519') {
      if (options.size != null) throw new InvalidKeyError('--size applies to rsa keys only')
      key = await generateKeyPair('Ed25519')
    } else if (type === 'rsa') {
      const bits = options.size ?? DEFAULT_RSA_BITS
      if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > 16384) throw new InvalidKeyError(`rsa keys must be ${MIN_RSA_BITS} to 16384 bits, not ${bits}`)
      key = await generateKeyPair('RSA', bits)
    } else {
      throw new InvalidKeyError(`unknown key type "${String(type)}" (ed25519 or rsa)`)
    }
    await this.write(name, key)
    return { name, id: key.publicKey.toMultihash().bytes }
  }

  /** Every key, `self` first, then by name. */
  async list (): Promise<KeyInfo[]> {
    const keys: KeyInfo[] = [{ name: SELF_KEY, id: this.self.publicKey.toMultihash().bytes }]
    let files: string[] = []
    try {
      files = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const names = files.map(nameOf).filter((n): n is string => n != null && n !== SELF_KEY).sort()
    for (const name of names) {
      keys.push({ name, id: (await this.get(name)).publicKey.toMultihash().bytes })
    }
    return keys
  }

  /** Removes a key. Throws `KeyNotFoundError`, `KeyProtectedError` for `self`. */
  async rm (name: string): Promise<KeyInfo> {
    if (name === SELF_KEY) throw new KeyProtectedError('the "self" key is the node identity and cannot be removed')
    const key = await this.get(name)
    await rm(this.path(name))
    return { name, id: key.publicKey.toMultihash().bytes }
  }

  /**
   * Renames a key. Refuses `self` on either side and an existing target unless `force`.
   * Returns the key and whether a key was overwritten.
   */
  async rename (from: string, to: string, options: { force?: boolean } = {}): Promise<KeyInfo & { overwritten: boolean }> {
    if (from === SELF_KEY) throw new KeyProtectedError('the "self" key is the node identity and cannot be renamed')
    this.checkWritable(to)
    const key = await this.get(from)
    const exists = await this.has(to)
    if (exists && options.force !== true) throw new KeyExistsError(`key "${to}" already exists (use --force to overwrite it)`)
    await renameFile(this.path(from), this.path(to))
    return { name: to, id: key.publicKey.toMultihash().bytes, overwritten: exists }
  }

  /** Stores a key given as libp2p protobuf private key bytes (Kubo's `key export` file). */
  async import (name: string, bytes: Uint8Array): Promise<KeyInfo> {
    this.checkWritable(name)
    const key = decodePrivateKey(bytes)
    await this.write(name, key)
    return { name, id: key.publicKey.toMultihash().bytes }
  }

  /** The libp2p protobuf private key bytes of a key (`self` included), for `key export`. */
  async export (name: string): Promise<Uint8Array> {
    return privateKeyToProtobuf(await this.get(name))
  }

  private checkWritable (name: string): void {
    if (name === SELF_KEY) throw new KeyProtectedError('"self" is the node identity key: it cannot be generated, imported or overwritten')
    checkName(name)
  }
}

/**
 * Opens the keystore of the repo at `repoRoot`, with the identity from the config's
 * `Identity.PrivKey` (base64 libp2p protobuf) as `self`. Tightens the folder to 0700.
 */
export async function openKeystore (repoRoot: string, identityPrivKey: string): Promise<Keystore> {
  const self = decodePrivateKey(Buffer.from(identityPrivKey, 'base64'))
  const dir = join(repoRoot, KEYSTORE_DIR)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  return new Keystore(dir, self)
}
