import type { Command } from '../command.ts'
import { add } from './add.ts'
import { blockGet, blockPut, blockRm, blockStat } from './block.ts'
import { config, configProfileApply, configShow } from './config.ts'
import { dagExport, dagGet, dagImport, dagPut } from './dag.ts'
import { cat, get, ls } from './files.ts'
import { init, version } from './init.ts'
import { pinAdd, pinLs, pinRm, pinVerify } from './pin.ts'
import { dagStat, refs, refsLocal, repoGc, repoStat, repoVerify } from './repo.ts'
import { filesStat } from './files-stat.ts'
import { id } from './id.ts'
import { swarmAddrs, swarmAddrsLocal, swarmConnect, swarmDisconnect, swarmPeers } from './swarm.ts'
import { pingCommand } from './ping.ts'
import { bootstrap, bootstrapAdd, bootstrapListCommand, bootstrapRm } from './bootstrap.ts'
import { statsBw } from './stats.ts'
import { shutdown } from './shutdown.ts'
import { keyExport, keyGen, keyImport, keyList, keyLs, keyRename, keyRm } from './key.ts'
import { namePublish, nameResolve, resolve } from './name.ts'
import { bitswapLedger, bitswapStat, bitswapWantlist, statsBitswap } from './bitswap.ts'
import { dhtQuery, routingFindpeer, routingFindprovs, routingGet, routingProvide, routingPut } from './routing.ts'
import { bitswapReprovide, provideStat, statsDht } from './provide.ts'

/**
 * The command table: every command Cairn has, declared once. The CLI, the RPC server and the
 * RPC client are all built from this list.
 */
export const COMMANDS: Array<Command<any>> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  init, version,
  add, cat, get, ls,
  pinAdd, pinRm, pinLs, pinVerify,
  repoGc, repoStat, repoVerify, refs, refsLocal,
  blockPut, blockGet, blockStat, blockRm,
  dagPut, dagGet, dagExport, dagImport, dagStat,
  config, configShow, configProfileApply,
  filesStat, shutdown,
  id,
  swarmPeers, swarmConnect, swarmDisconnect, swarmAddrs, swarmAddrsLocal,
  pingCommand,
  bootstrap, bootstrapListCommand, bootstrapAdd, bootstrapRm,
  statsBw,
  keyGen, keyList, keyLs, keyRm, keyRename, keyImport, keyExport,
  namePublish, nameResolve, resolve,
  bitswapStat, bitswapWantlist, bitswapLedger, statsBitswap,
  routingFindprovs, routingFindpeer, routingProvide, routingGet, routingPut, dhtQuery,
  provideStat, statsDht, bitswapReprovide
]

/** Finds a command by its path (`pin add`). */
export function findCommand (path: string): Command | undefined {
  return COMMANDS.find(c => c.path === path)
}
