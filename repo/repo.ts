import { mkdir, readFile, rename, rm, stat, writeFile, open as openFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { Level } from 'level'
import {
  RepoExistsError, RepoLockedError, RepoNotInitializedError, RepoVersionError
} from '../errors/index.ts'
import { applyProfiles, defaultConfig, parseConfig, type Config } from './config.ts'

/** The on-disk repo layout version this code reads and writes. */
export const REPO_VERSION = 1

/** The environment variable naming the repo, as `IPFS_PATH` does for Kubo. */
export const REPO_PATH_ENV = 'CAIRN_PATH'

/** The repo path: `$CAIRN_PATH`, else `~/.cairn`. */
export function repoPathFromEnv (env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[REPO_PATH_ENV]
  return resolve(fromEnv != null && fromEnv !== '' ? fromEnv : join(homedir(), '.cairn'))
}

/** The metadata datastore: pins, provider records, peers, IPNS records, keys. */
export type Datastore = Level<Uint8Array, Uint8Array>

/** What the lock info file says about the process holding a repo. */
export interface LockHolder {
  pid: number
  command: string
  started: string
}

/** Paths inside a repo. */
export function repoPaths (root: string): {
  config: string, version: string, datastore: string, blocks: string, lockInfo: string, api: string, gateway: string
} {
  return {
    config: join(root, 'config'),
    version: join(root, 'version'),
    datastore: join(root, 'datastore'),
    blocks: join(root, 'blocks'),
    lockInfo: join(root, 'repo.lock'),
    api: join(root, 'api'),
    gateway: join(root, 'gateway')
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    // absent or unreadable: either way there is nothing to open here
    return false
  }
}

/** True when a repo has been initialised at `root`. */
export async function isInitialized (root: string): Promise<boolean> {
  return exists(repoPaths(root).config)
}

/** Writes a file atomically: a temp file, fsync, rename over the target. */
export async function writeFileAtomic (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`
  const handle = await openFile(tmp, 'w', 0o600)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
}

/** Options for {@link initRepo}. */
export interface InitOptions {
  /** Profiles to apply after the defaults, in order (e.g. `['test']`). Default none. */
  profiles?: string[]
}

/**
 * Creates a repo: a config with a new Ed25519 identity, the version marker and the store
 * folders. Refuses to overwrite an existing repo.
 */
export async function initRepo (root: string, options: InitOptions = {}): Promise<Config> {
  const paths = repoPaths(root)
  if (await exists(paths.config)) {
    throw new RepoExistsError(`a repo already exists at ${root}`)
  }
  // loaded here, not at start-up: `@libp2p/crypto` (every curve) is a fifth of the CLI's start-up
  const { generateKeyPair, privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const key = await generateKeyPair('Ed25519')
  const identity = {
    PeerID: peerIdFromPrivateKey(key).toString(),
    PrivKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
  const config = applyProfiles(defaultConfig(identity), options.profiles ?? [])
  await mkdir(root, { recursive: true, mode: 0o700 })
  await mkdir(paths.blocks, { recursive: true })
  await writeFileAtomic(paths.version, `${REPO_VERSION}\n`)
  // the config is written last: its presence is what marks the repo as initialised
  await writeFileAtomic(paths.config, JSON.stringify(config, null, 2) + '\n')
  return config
}

/** An open repo: the lock is held until {@link Repo.close}. */
export class Repo {
  readonly root: string
  readonly paths: ReturnType<typeof repoPaths>
  readonly datastore: Datastore
  config: Config

  private constructor (root: string, config: Config, datastore: Datastore) {
    this.root = root
    this.paths = repoPaths(root)
    this.config = config
    this.datastore = datastore
  }

  /**
   * Opens the repo and takes its lock. The lock is LevelDB's own lock on the metadata datastore
   * (an OS file lock, released if the process dies); a small info file names the holder so a
   * second process can say who has it.
   */
  static async open (root: string, options: { command?: string } = {}): Promise<Repo> {
    const paths = repoPaths(root)
    if (!(await exists(paths.config))) {
      throw new RepoNotInitializedError(`no repo at ${root} (run "cairn init")`)
    }
    const version = Number((await readFile(paths.version, 'utf8').catch(() => '')).trim())
    if (version !== REPO_VERSION) {
      throw new RepoVersionError(`repo at ${root} has version ${Number.isNaN(version) ? 'unknown' : version}; this cairn reads version ${REPO_VERSION}`)
    }
    const datastore: Datastore = new Level(paths.datastore, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await datastore.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') {
        const holder = await readLockHolder(root)
        const who = holder != null ? `process ${holder.pid} (${holder.command}, since ${holder.started})` : 'another process'
        throw new RepoLockedError(`repo at ${root} is locked by ${who}`, { cause: err })
      }
      throw err
    }
    const holder: LockHolder = { pid: process.pid, command: options.command ?? 'cairn', started: new Date().toISOString() }
    await writeFile(paths.lockInfo, JSON.stringify(holder) + '\n')
    const config = parseConfig(await readFile(paths.config, 'utf8'), paths.config)
    return new Repo(root, config, datastore)
  }

  /** Persists the config atomically. */
  async saveConfig (config: Config): Promise<void> {
    await writeFileAtomic(this.paths.config, JSON.stringify(config, null, 2) + '\n')
    this.config = config
  }

  /** Releases the lock. Idempotent. */
  async close (): Promise<void> {
    if (this.datastore.status === 'open') {
      await rm(this.paths.lockInfo, { force: true })
      await this.datastore.close()
    }
  }
}

/** The process named in a repo's lock info file, if any. */
export async function readLockHolder (root: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(repoPaths(root).lockInfo, 'utf8')) as LockHolder
  } catch {
    // no lock info (or a half-written one): the holder is simply not named
    return undefined
  }
}
