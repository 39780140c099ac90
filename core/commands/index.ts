import type { Command } from '../command.ts'
import { add } from './add.ts'
import { blockGet, blockPut, blockRm, blockStat } from './block.ts'
import { config, configProfileApply, configReplace, configShow } from './config.ts'
import { configEdit } from './config-edit.ts'
import { dagExport, dagGet, dagImport, dagPut, dagResolve } from './dag.ts'
import { cat, get, ls } from './files.ts'
import { init, version } from './init.ts'
import { pinAdd, pinLs, pinRm, pinUpdate, pinVerify } from './pin.ts'
import { dagStat, refs, refsLocal, repoGc, repoStat, repoVerify, statsRepo } from './repo.ts'
import { filesStat } from './files-stat.ts'
import { filesFlush, filesLs, filesRead } from './files-ls.ts'
import { filesChcid, filesChmod, filesCp, filesMkdir, filesMv, filesRm, filesTouch, filesWrite } from './files-edit.ts'
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
import { cidBase32, cidBases, cidCodecs, cidFormat, cidHashes } from './cid.ts'
import { commands } from './commands.ts'
import { diagSys } from './diag.ts'
import { logLevel, logLs } from './log.ts'
import { bitswapReprovide, provideStat, statsDht } from './provide.ts'

/**
 * The command table: every command Cairn has, declared once. The CLI, the RPC server and the
 * RPC client are all built from this list.
 */
export const COMMANDS: Array<Command<any>> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  init, version,
  add, cat, get, ls,
  pinAdd, pinRm, pinLs, pinVerify, pinUpdate,
  repoGc, repoStat, repoVerify, refs, refsLocal, statsRepo,
  blockPut, blockGet, blockStat, blockRm,
  dagPut, dagGet, dagExport, dagImport, dagStat, dagResolve,
  config, configShow, configProfileApply, configReplace, configEdit,
  filesStat, shutdown,
  filesLs, filesRead, filesFlush, filesMkdir, filesWrite, filesCp, filesMv, filesRm, filesChcid, filesChmod, filesTouch,
  id,
  swarmPeers, swarmConnect, swarmDisconnect, swarmAddrs, swarmAddrsLocal,
  pingCommand,
  bootstrap, bootstrapListCommand, bootstrapAdd, bootstrapRm,
  statsBw,
  keyGen, keyList, keyLs, keyRm, keyRename, keyImport, keyExport,
  namePublish, nameResolve, resolve,
  bitswapStat, bitswapWantlist, bitswapLedger, statsBitswap,
  routingFindprovs, routingFindpeer, routingProvide, routingGet, routingPut, dhtQuery,
  commands, logLevel, logLs, diagSys,
  cidFormat, cidBase32, cidBases, cidCodecs, cidHashes,
  provideStat, statsDht, bitswapReprovide
]

/** Finds a command by its path (`pin add`). */
export function findCommand (path: string): Command | undefined {
  return COMMANDS.find(c => c.path === path)
}
