import { initRepo } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { CAIRN_VERSION } from '../version.ts'

export const init = defineCommand<{ ID: string, Path: string }>({
  path: 'init',
  description: 'Create a repo at $CAIRN_PATH (default ~/.cairn)',
  args: [],
  options: [
    { name: 'profile', type: 'string', description: 'comma-separated profiles to apply (test, unixfs-v0-2015, legacy-cid-v0, unixfs-v1-2025)' }
  ],
  output: 'value',
  needsRepo: false,
  localOnly: true,
  text: (value) => `initialized a repo at ${value.Path}\npeer identity: ${value.ID}`,
  async run ({ repoPath, options }) {
    const profiles = typeof options.profile === 'string' && options.profile !== '' ? options.profile.split(',') : []
    const config = await initRepo(repoPath, { profiles })
    return { ID: config.Identity.PeerID, Path: repoPath }
  }
})

export const version = defineCommand<{ Version: string, Commit: string, Repo: string, System: string, Golang: string }>({
  path: 'version',
  description: 'Show the version of cairn',
  args: [],
  options: [],
  output: 'value',
  needsRepo: false,
  text: (value) => `cairn version ${value.Version}`,
  async run () {
    return {
      Version: CAIRN_VERSION,
      Commit: '',
      Repo: '1',
      System: `${process.arch}/${process.platform}`,
      Golang: `node-${process.version}`
    }
  }
})
