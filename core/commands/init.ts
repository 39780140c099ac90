// the leaf module: `version` must not load the config code
import { initRepo, REPO_VERSION } from '../../repo/repo.ts'
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
  options: [
    { name: 'number', short: 'n', type: 'boolean', default: false, description: 'print only the version number' },
    { name: 'commit', type: 'boolean', default: false, description: 'print the commit too' },
    { name: 'repo', type: 'boolean', default: false, description: 'print only the repo version' },
    { name: 'all', type: 'boolean', default: false, description: 'print every version: Cairn, repo, system, Node.js' }
  ],
  output: 'value',
  needsRepo: false,
  // Kubo's text: --all wins, then --repo, then --number; --commit appends -<commit> when known
  text: (value, options) => {
    const commit = options.commit === true && value.Commit !== '' ? `-${value.Commit}` : ''
    if (options.all === true) {
      const version = value.Commit !== '' ? `${value.Version}-${value.Commit}` : value.Version
      return `Cairn version: ${version}\nRepo version: ${value.Repo}\nSystem version: ${value.System}\nNode.js version: ${value.Golang}`
    }
    if (options.repo === true) return value.Repo
    if (options.number === true) return `${value.Version}${commit}`
    return `cairn version ${value.Version}${commit}`
  },
  async run () {
    return {
      Version: CAIRN_VERSION,
      Commit: '',
      Repo: String(REPO_VERSION),
      System: `${process.arch}/${process.platform}`,
      Golang: `node-${process.version}`
    }
  }
})
