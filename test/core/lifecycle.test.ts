import { describe, expect, it } from 'vitest'
import { Lifecycle, type Startable } from '../../core/lifecycle.ts'

function recorder (events: string[], name: string, fail?: 'start' | 'stop'): Startable {
  return {
    async start () {
      events.push(`start ${name}`)
      if (fail === 'start') throw Object.assign(new Error(`${name} cannot start`), { name: 'ListenError' })
    },
    async stop () {
      events.push(`stop ${name}`)
      if (fail === 'stop') throw new Error(`${name} cannot stop`)
    }
  }
}

describe('Lifecycle', () => {
  it('starts parts in order and stops them in reverse, once', async () => {
    const events: string[] = []
    const lifecycle = new Lifecycle()
    lifecycle.add('repo', recorder(events, 'repo'), { started: true })
    lifecycle.add('blockstore', recorder(events, 'blockstore'))
    lifecycle.add('host', recorder(events, 'host'))
    await lifecycle.start()
    await lifecycle.start()
    expect(lifecycle.started).toEqual(['repo', 'blockstore', 'host'])
    await lifecycle.stop()
    await lifecycle.stop()
    expect(events).toEqual(['start blockstore', 'start host', 'stop host', 'stop blockstore', 'stop repo'])
    expect(lifecycle.started).toEqual([])
  })

  it('a part that fails to start stops the parts that had started, in reverse, and its error propagates', async () => {
    const events: string[] = []
    const lifecycle = new Lifecycle()
    lifecycle.add('repo', recorder(events, 'repo'), { started: true })
    lifecycle.add('blockstore', recorder(events, 'blockstore'))
    lifecycle.add('host', recorder(events, 'host', 'start'))
    lifecycle.add('dht', recorder(events, 'dht'))
    await expect(lifecycle.start()).rejects.toMatchObject({ name: 'ListenError', message: 'host cannot start' })
    expect(events).toEqual(['start blockstore', 'start host', 'stop blockstore', 'stop repo'])
    expect(lifecycle.started).toEqual([])
  })

  it('stops every part even when one fails to stop, then throws that failure', async () => {
    const events: string[] = []
    const lifecycle = new Lifecycle()
    lifecycle.add('a', recorder(events, 'a'))
    lifecycle.add('b', recorder(events, 'b', 'stop'))
    lifecycle.add('c', recorder(events, 'c'))
    await lifecycle.start()
    await expect(lifecycle.stop()).rejects.toThrow('b cannot stop')
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a'])
  })
})
