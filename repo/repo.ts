import { mkdir, readdir, readFile, rename, rm, stat, writeFile, open as openFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Level } from 'level'
import {
  RepoConfigMissingError, RepoExistsError, RepoLockedError, RepoNotInitializedError, RepoVersionError
} from '../errors/index.ts'
// config.ts is loaded where a repo is created or opened: locating one (every CLI call) needs none of it
import type { Config } from './config.ts'

/** The on-disk repo layout version this code reads and writes. */
export const REPO_VERSION = 1

/** The environment variable naming the repo, as `IPFS_PATH` does for Kubo. */
export const REPO_PATH_ENV = 'CAIRN_PATH'

/** The repo path: `$CAIRN_PATH`, else `~/.cairn`. */
export function repoPathFromEnv (env: NodeJS.ProcessEnv = process.env): string {
  return locateRepo(undefined, env).path
}

/** Where a command's repo is, and whether the user named it. */
export interface RepoLocation {
  /** Absolute path of the repo folder. */
  path: string
  /**
   * True for `~/.cairn`, the repo used when neither `--repo-dir` nor `$CAIRN_PATH` names one:
   * only this repo may be created on first use, and only when its folder does not exist at all.
   */
  isDefault: boolean
}

/** The default repo's path, `~/.cairn`. */
export function defaultRepoPath (): string {
  return resolve(join(homedir(), '.cairn'))
}

/**
 * The repo a command uses: `repoDir` (`--repo-dir`), else `$CAIRN_PATH`, else `~/.cairn`. A path
 * that names `~/.cairn` however it was given is the default repo.
 */
export function locateRepo (repoDir: string | undefined, env: NodeJS.ProcessEnv = process.env): RepoLocation {
  const fromEnv = env[REPO_PATH_ENV]
  const given = repoDir != null && repoDir !== '' ? repoDir : fromEnv != null && fromEnv !== '' ? fromEnv : undefined
  const path = given != null ? resolve(given) : defaultRepoPath()
  return { path, isDefault: path === defaultRepoPath() }
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

/**
 * What is at a repo path: a repo (`ready`: its config exists), nothing (`absent`: the folder
 * does not exist), a folder with no repo in it (`empty`), or a folder that holds a repo's data
 * but no config (`no-config`: a config lost or deleted; `data` names what is there).
 */
export type RepoState =
  { kind: 'ready' } | { kind: 'absent' } | { kind: 'empty' } | { kind: 'no-config', data: string[] }

/**
 * What makes a folder without a config a damaged repo rather than an empty folder: the metadata
 * datastore (pins, peers, IPNS records), the keystore, and blocks. `version` and an empty
 * `blocks/` are written by `init` before the config, so a crash there leaves no data.
 */
async function repoData (root: string): Promise<string[]> {
  const data: string[] = []
  for (const name of ['datastore', 'keystore']) {
    if (await exists(join(root, name))) data.push(name)
  }
  const blocks = await readdir(repoPaths(root).blocks).catch(() => [] as string[])
  if (blocks.length > 0) data.push('blocks')
  return data
}

/** Looks at what is at `root` without changing anything (see {@link RepoState}). */
export async function inspectRepo (root: string): Promise<RepoState> {
  if (await exists(repoPaths(root).config)) return { kind: 'ready' }
  try {
    await stat(root)
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { kind: 'absent' }
    throw err
  }
  const data = await repoData(root)
  return data.length > 0 ? { kind: 'no-config', data } : { kind: 'empty' }
}

/** The error for a repo folder that holds data but has no config: never a new identity over it. */
function configMissing (root: string, data: string[]): RepoConfigMissingError {
  return new RepoConfigMissingError(`no repo config found at ${repoPaths(root).config}, but ${root} holds repo data ` +
    `(${data.join(', ')}): restore the config from a backup, or move the folder away and run "cairn init"`)
}

/**
 * Fails unless a repo is ready at `root`: `RepoNotInitializedError` where there is none (Kubo's
 * "no IPFS repo found"), `RepoConfigMissingError` where its data is there but its config is not.
 */
export async function assertRepo (root: string, state?: RepoState): Promise<void> {
  const found = state ?? await inspectRepo(root)
  if (found.kind === 'ready') return
  if (found.kind === 'no-config') throw configMissing(root, found.data)
  throw new RepoNotInitializedError(`no repo found at ${root}; run "cairn init" to create one`)
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
 * folders. Refuses to overwrite an existing repo, and to put a new identity over the data of a
 * repo whose config is missing.
 */
export async function initRepo (root: string, options: InitOptions = {}): Promise<Config> {
  const paths = repoPaths(root)
  const state = await inspectRepo(root)
  if (state.kind === 'ready') throw new RepoExistsError(`a repo already exists at ${root}`)
  if (state.kind === 'no-config') throw configMissing(root, state.data)
  // loaded here, not at start-up: `@libp2p/crypto` (every curve) is a fifth of the CLI's start-up
  const { generateKeyPair, privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const key = await generateKeyPair('Ed25519')
  const identity = {
    PeerID: peerIdFromPrivateKey(key).toString(),
    PrivKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
  const { applyProfiles, defaultConfig } = await import('./config.ts')
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
    await assertRepo(root)
    const version = Number((await readFile(paths.version, 'utf8').catch(() => '')).trim())
    if (version !== REPO_VERSION) {
      throw new RepoVersionError(`repo at ${root} has version ${Number.isNaN(version) ? 'unknown' : version}; this cairn reads version ${REPO_VERSION}`)
    }
    // loaded here, not at start-up: LevelDB's native binding is a large part of a small
    // command's start-up, and commands that open no repo (version, cid, commands) never need it
    const { Level } = await import('level')
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
    const { parseConfig } = await import('./config.ts')
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
