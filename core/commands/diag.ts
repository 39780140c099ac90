/**
 * `diag sys`: what a bug report needs to know about the machine and the node, in Kubo's JSON
 * shape where its fields make sense for a Node.js program: `runtime` (Node.js instead of Go),
 * `environment` (`CAIRN_PATH` where Kubo has `IPFS_PATH` and `GOPATH`), `diskinfo` of the
 * filesystem that holds the repo, `net` (interface addresses, online), `ipfs_version` and
 * `ipfs_commit`.
 */
import { statfs } from 'node:fs/promises'
import { arch, availableParallelism, networkInterfaces, platform } from 'node:os'
import { REPO_PATH_ENV } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { CAIRN_VERSION } from '../version.ts'

/** Kubo's `diag sys` answer (the parts that apply). */
export interface SysDiag {
  runtime: { os: string, arch: string, compiler: string, version: string, numcpu: number }
  environment: Record<string, string>
  diskinfo: { fstype: string, total_space: number, free_space: number }
  net: { interface_addresses: string[], online: boolean }
  ipfs_version: string
  ipfs_commit: string
}

/** Names of common Linux filesystems by their statfs magic number (as go-sysinfo names them). */
const FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext2/ext3'],
  [0x01021994, 'tmpfs'],
  [0x9123683e, 'btrfs'],
  [0x58465342, 'xfs'],
  [0x794c7630, 'overlayfs'],
  [0x2fc12fc1, 'zfs'],
  [0x6969, 'nfs'],
  [0x65735546, 'fuse'],
  [0x4d44, 'msdos'],
  [0x5346544e, 'ntfs'],
  [0xf15f, 'ecryptfs'],
  [0x1021997, 'v9fs']
])

/** The machine's interface addresses as multiaddrs (`/ip4/127.0.0.1`, `/ip6/::1`), as Kubo lists them. */
function interfaceAddresses (): string[] {
  const out: string[] = []
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      out.push(address.family === 'IPv6' ? `/ip6/${address.address}` : `/ip4/${address.address}`)
    }
  }
  return out
}

export const diagSys = defineCommand<SysDiag>({
  path: 'diag sys',
  description: 'Print system diagnostic information',
  args: [],
  options: [],
  output: 'value',
  // Kubo prints the map as JSON
  text: (value) => JSON.stringify(value, null, 2),
  async run ({ node, repoPath }) {
    const disk = await statfs(repoPath)
    return {
      runtime: {
        os: platform(),
        arch: arch(),
        compiler: 'v8',
        version: `node-${process.version}`,
        numcpu: availableParallelism()
      },
      environment: { [REPO_PATH_ENV]: process.env[REPO_PATH_ENV] ?? '' },
      diskinfo: {
        fstype: FS_TYPES.get(disk.type) ?? `0x${disk.type.toString(16)}`,
        total_space: disk.blocks * disk.bsize,
        free_space: disk.bavail * disk.bsize
      },
      net: { interface_addresses: interfaceAddresses(), online: node.host != null },
      ipfs_version: CAIRN_VERSION,
      ipfs_commit: ''
    }
  }
})
