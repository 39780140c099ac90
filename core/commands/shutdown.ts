import { OfflineError } from '../../errors/index.ts'
import { defineCommand } from '../command.ts'

export const shutdown = defineCommand<undefined>({
  path: 'shutdown',
  description: 'Stop the running daemon',
  args: [],
  options: [],
  output: 'value',
  text: () => undefined,
  async run (request) {
    const stop = request.shutdown
    if (stop == null) throw new OfflineError('no daemon is running: shutdown stops a running daemon (cairn daemon)')
    stop()
    return undefined
  }
})
