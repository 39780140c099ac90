import { OfflineError } from '../../errors/index.ts'
import { defineCommand, type CommandRequest } from '../command.ts'

/** A request made by a daemon's RPC server: it can stop the daemon once the answer is out. */
interface DaemonRequest extends CommandRequest {
  /** Stops the daemon after this request's answer has been sent. */
  shutdown?: () => void
}

export const shutdown = defineCommand<undefined>({
  path: 'shutdown',
  description: 'Stop the running daemon',
  args: [],
  options: [],
  output: 'value',
  needsRepo: false,
  text: () => undefined,
  async run (request) {
    const stop = (request as DaemonRequest).shutdown
    if (stop == null) throw new OfflineError('no daemon is running: shutdown stops a running daemon (cairn daemon)')
    stop()
    return undefined
  }
})
