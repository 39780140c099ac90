/**
 * Kubo's log levels mapped onto `DEBUG` namespaces (logger/levels.ts): what `log level` asks
 * `@libp2p/logger` to enable.
 */
import { describe, expect, it } from 'vitest'
import { levelNamespaces, normalizeSubsystem, parseLogLevel, type LogLevel } from '../../logger/levels.ts'

describe('log levels', () => {
  it('debug, info and warn show a subsystem\'s log and errors; error and above only its errors', () => {
    const set = new Map<string, LogLevel>([['cairn:dht:query', 'debug'], ['cairn:blockstore:gc', 'error']])
    expect(levelNamespaces('', set)).toBe('cairn:dht:query,cairn:dht:query:error,cairn:blockstore:gc:error,-cairn:blockstore:gc')
    expect(levelNamespaces('', new Map([['x', 'warn']]))).toBe('x,x:error')
    expect(levelNamespaces('', new Map([['x', 'fatal']]))).toBe('x:error,-x')
  })

  it('keeps what DEBUG named at start-up, and * sets every subsystem', () => {
    expect(levelNamespaces('libp2p:*', new Map([['*', 'info']]))).toBe('libp2p:*,*')
    expect(levelNamespaces('', new Map([['*', 'error']]))).toBe('*:error')
    expect(normalizeSubsystem('all')).toBe('*')
  })

  it('takes Kubo\'s level names, in any case, and refuses others by name', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug')
    expect(() => parseLogLevel('verbose')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})
