import { mkdtemp, rm, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { initRepo, Repo, repoPathFromEnv } from '../../repo/index.ts'

describe('repo', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cairn-repo-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates a config with an Ed25519 identity whose peer ID matches the key', async () => {
    const config = await initRepo(join(dir, 'r'))
    const key = privateKeyFromProtobuf(Buffer.from(config.Identity.PrivKey, 'base64'))
    expect(key.type).toBe('Ed25519')
    expect(peerIdFromPrivateKey(key).toString()).toBe(config.Identity.PeerID)
    expect(config.Identity.PeerID).toMatch(/^12D3KooW/)
    expect((await readFile(join(dir, 'r', 'version'), 'utf8')).trim()).toBe('1')
    await expect(initRepo(join(dir, 'r'))).rejects.toMatchObject({ name: 'RepoExistsError' })
  })

  it('lets one holder at a time open the repo and names the holder', async () => {
    await initRepo(join(dir, 'r'))
    const first = await Repo.open(join(dir, 'r'), { command: 'cairn daemon' })
    const err = await Repo.open(join(dir, 'r')).catch(e => e)
    expect(err.name).toBe('RepoLockedError')
    expect(err.message).toContain(`process ${process.pid} (cairn daemon`)
    await first.close()
    const again = await Repo.open(join(dir, 'r'))
    await again.close()
  })

  it('says clearly when there is no repo', async () => {
    await expect(Repo.open(join(dir, 'none'))).rejects.toMatchObject({ name: 'RepoNotInitializedError' })
  })

  it('takes its path from CAIRN_PATH, else ~/.cairn', () => {
    expect(repoPathFromEnv({ CAIRN_PATH: '/x/y' })).toBe('/x/y')
    expect(repoPathFromEnv({})).toMatch(/\.cairn$/)
  })
})
