/**
 * The iterative Kademlia lookup (ipfs/specs kad-dht "Lookup Process"; go query.go): ask the α
 * closest known peers at once, learn closer peers from their answers, and keep asking the closest
 * not yet asked, until the β closest reachable peers have all answered or no candidate is left.
 * A peer is asked at most once; peers without addresses are skipped; a peer that fails or times
 * out is unreachable and no longer counts. An optional follow-up then asks the k closest peers
 * that were heard of but not asked, so `getClosestPeers` and `provide` get k peers that answered.
 *
 * The lookup knows nothing of streams: it calls a {@link QueryFn}, so the same code runs over
 * libp2p and in the simulation bench.
 */
import { DEFAULT_ALPHA, DEFAULT_BETA, K, MAX_CLOSER_PEERS_PER_RESPONSE } from './constants.ts'
import { compareDistance, peerKadId } from './keyspace.ts'
import type { PeerInfo } from './message.ts'
import type { PeerId } from '@libp2p/interface'

/** What one peer answered. */
export interface PeerAnswer {
  /** Peers it says are closer to the target. */
  closer: PeerInfo[]
  /** True when the answer satisfies the caller (a record, the sought peer): the lookup ends. */
  done?: boolean
}

/** Asks one peer; rejects when it cannot be reached or answers nonsense. */
export type QueryFn = (peer: PeerInfo, signal: AbortSignal) => Promise<PeerAnswer>

/** Options of {@link lookup}. */
export interface LookupOptions {
  /** Concurrent requests. Default {@link DEFAULT_ALPHA}. */
  alpha?: number
  /** Closest reachable peers that must have answered. Default {@link DEFAULT_BETA}. */
  beta?: number
  /** Size of the result and of the candidate window. Default {@link K}. */
  k?: number
  /** Ask the k closest peers heard of but not yet asked before returning. Default false. */
  followUp?: boolean
  /** Our own ID, never asked (peers often list us among the closer peers). */
  self?: PeerId
  /** Ends the lookup: what it found so far is returned. */
  signal?: AbortSignal
}

/** The outcome of a lookup. */
export interface LookupResult {
  /** Up to k peers that answered, closest first. */
  closest: PeerInfo[]
  /** Requests sent. */
  queried: number
  /** Requests that failed. */
  failed: number
  /**
   * Hops: the length of the referral chain (seed = 1) that led to the closest peer that answered;
   * the measure of a lookup's rounds.
   */
  hops: number
  /** Why it ended. */
  reason: 'converged' | 'starved' | 'done' | 'aborted'
}

/** Candidates kept, in multiples of k: bounds a lookup's memory whatever peers answer. */
const CANDIDATE_WINDOW = 3

type State = 'heard' | 'waiting' | 'answered' | 'unreachable'

interface Candidate {
  peer: PeerInfo
  kadId: Uint8Array
  state: State
  hop: number
  /** Settles when its request does (for the follow-up, which waits for requests in flight). */
  pending?: Promise<void>
}

/** Runs one iterative lookup towards the Kademlia ID `target`, starting from `seeds`. */
export async function lookup (target: Uint8Array, seeds: PeerInfo[], query: QueryFn, options: LookupOptions = {}): Promise<LookupResult> {
  const alpha = options.alpha ?? DEFAULT_ALPHA
  const beta = options.beta ?? DEFAULT_BETA
  const k = options.k ?? K
  const window = k * CANDIDATE_WINDOW
  const self = options.self?.toString()
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })

  /** Every peer ever seen, by ID: the "never ask twice" memory. */
  const seen = new Map<string, Candidate>()
  /** Candidates that still count (not unreachable), closest first. */
  let ranked: Candidate[] = []
  let inFlight = 0
  let queried = 0
  let failed = 0
  let reason: LookupResult['reason'] | undefined

  const consider = (peer: PeerInfo, hop: number): void => {
    const id = peer.id.toString()
    if (id === self || seen.has(id) || peer.multiaddrs.length === 0) return
    const candidate: Candidate = { peer, kadId: peerKadId(peer.id), state: 'heard', hop }
    // a peer farther than the window cannot change the result: not worth remembering. The window
    // is wider than k so that peers failing among the closest leave good replacements behind
    if (ranked.length >= window && compareDistance(candidate.kadId, ranked[window - 1].kadId, target) >= 0) return
    seen.set(id, candidate)
    let lo = 0
    let hi = ranked.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareDistance(ranked[mid].kadId, candidate.kadId, target) < 0) lo = mid + 1
      else hi = mid
    }
    ranked.splice(lo, 0, candidate)
  }

  for (const seed of seeds) consider(seed, 1)

  const result = (): LookupResult => {
    const answered = ranked.filter(c => c.state === 'answered').slice(0, k)
    answered.sort((a, b) => compareDistance(a.kadId, b.kadId, target))
    return { closest: answered.map(c => c.peer), queried, failed, hops: answered[0]?.hop ?? 0, reason: reason ?? 'converged' }
  }

  try {
    await new Promise<void>(resolve => {
      const finish = (why: LookupResult['reason']): void => {
        if (reason != null) return
        reason = why
        resolve()
      }
      controller.signal.addEventListener('abort', () => finish('aborted'), { once: true })

      const ask = (c: Candidate): void => {
        c.state = 'waiting'
        inFlight++
        queried++
        c.pending = query(c.peer, controller.signal).then(answer => {
          inFlight--
          c.state = 'answered'
          if (reason != null) return
          for (const p of answer.closer.slice(0, MAX_CLOSER_PEERS_PER_RESPONSE)) consider(p, c.hop + 1)
          if (answer.done === true) finish('done')
          else pump()
        }, () => {
          inFlight--
          failed++
          c.state = 'unreachable'
          if (reason != null) return
          ranked = ranked.filter(x => x !== c)
          pump()
        })
      }

      const pump = (): void => {
        if (reason != null) return
        // converged: the β closest reachable candidates have all answered
        const top = ranked.slice(0, beta)
        if (top.length > 0 && top.every(c => c.state === 'answered')) { finish('converged'); return }
        for (const c of ranked) {
          if (inFlight >= alpha) break
          if (c.state === 'heard') ask(c)
        }
        if (inFlight === 0) finish('starved')
      }

      if (controller.signal.aborted) finish('aborted')
      else pump()
    })

    if (options.followUp === true && reason !== 'aborted' && reason !== 'done') {
      // the k closest must all have been asked: wait for those in flight, ask those only heard of
      await Promise.all(ranked.map(async c => c.pending))
      const top = ranked.filter(c => c.state !== 'unreachable').slice(0, k)
      await followUp(top.filter(c => c.state === 'heard'), alpha, async c => {
        queried++
        c.state = 'waiting'
        await query(c.peer, controller.signal).then(() => { c.state = 'answered' }, () => {
          failed++
          c.state = 'unreachable'
        })
      })
    }
    return result()
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    // requests still in flight are no longer wanted
    controller.abort()
  }
}

/** Runs `fn` over `items`, at most `concurrency` at once. */
async function followUp<T> (items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}
