/**
 * What the network command families (id, swarm, ping, bootstrap, stats) share: the lazily loaded
 * address parsers, the running host, a stable sort order, and a pause that an abort cuts short.
 */
import { OfflineError } from '../../errors/index.ts'
import { startTimer } from '../../repo/index.ts'
import type { CoreNode } from '../node.ts'
// type-only: the network stack loads only in a process that runs a host
import type { CairnHost } from '../libp2p/index.ts'

/**
 * Multiaddr and peer-ID parsing (`../libp2p/addresses.ts`), loaded by the network commands as
 * they run: it pulls in `@libp2p/peer-id` and `@libp2p/crypto` with every curve, about a third of
 * the start-up of every other CLI command.
 */
let addressModule: typeof import('../libp2p/addresses.ts') | undefined

/** Loads the address parsers; every network command awaits this before it runs. */
export async function loadAddresses (): Promise<void> {
  addressModule ??= await import('../libp2p/addresses.ts')
}

/** The address parsers, once `loadAddresses` has run. */
export function addresses (): typeof import('../libp2p/addresses.ts') {
  if (addressModule == null) throw new Error('the address parsers are not loaded (call loadAddresses first)')
  return addressModule
}

/** The host of a node that runs one (the daemon); absent offline. */
export function hostOf (node: CoreNode): CairnHost | undefined {
  return (node as CoreNode & { host?: CairnHost }).host
}

/** The running host, or OfflineError at once. */
export function requireHost (node: CoreNode): CairnHost {
  const host = hostOf(node)
  if (host == null) throw new OfflineError('this command needs a running daemon (cairn daemon)')
  return host
}

/** Orders strings by code unit, as Go's `sort.Strings` does, so listings match Kubo's. */
export const byString = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.clear()
      reject(signal.reason)
    }
    // startTimer re-arms past setTimeout's ~24.8-day limit instead of firing at once
    const timer = startTimer(ms, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
