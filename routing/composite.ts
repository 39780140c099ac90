/**
 * The composite router: asks every configured router at once and merges their answers, so the
 * DHT and delegated HTTP routers can sit side by side behind one {@link Routing}.
 *
 * - `findProviders` / `getClosestPeers`: every router's stream, interleaved as answers arrive,
 *   each peer at most once (by peer ID) across routers; a router that fails is logged and the
 *   others go on; only when every router failed does the stream fail.
 * - `findPeer` / `get`: the first router to answer wins and the others are aborted; when none
 *   answers, the errors are combined (see {@link combineErrors}).
 * - `provide` / `put`: sent to every router; succeeds when at least one succeeded.
 * - With no router at all (offline, or `Routing.Type` `none`) every call fails with
 *   `RoutingOffError`, so a caller can never mistake "routing is off" for "nobody has it".
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { abortError, throwIfAborted } from '../errors/abort.ts'
import { NotFoundError, PeerNotFoundError, RoutingOffError } from '../errors/index.ts'
import { loggerFor, type ComponentLogger, type Logger } from '../logger/index.ts'
import type { FindProvidersOptions, PeerInfo, Routing, RoutingOptions } from './types.ts'

/** Why routing is off when no reason is given. */
export const DEFAULT_ROUTING_OFF_REASON = 'no router is configured'

/** Collaborators of the composite router. */
export interface CompositeRoutingComponents {
  /** The routers asked, in order of preference (a tie between answers goes to the first). */
  routers: Routing[]
  logger?: ComponentLogger
}

/** Options of the composite router. */
export interface CompositeRoutingInit {
  /**
   * Said by every call's `RoutingOffError` when `routers` is empty, e.g. "the node is offline".
   * Default {@link DEFAULT_ROUTING_OFF_REASON}.
   */
  offReason?: string
}

const NOT_FOUND_NAMES = new Set([NotFoundError.name, PeerNotFoundError.name])

/**
 * One error for several routers' failures (a `RoutingNotSupportedError` counts only when every
 * router gave one): the first that is not a "not found" when there is one
 * (a router that failed means nobody can say the answer is "none"), else a not-found error of the
 * kind `notFound` makes, naming every router's answer. The errors are kept as the cause.
 */
export function combineErrors (all: unknown[], notFound: (message: string, options: { cause: unknown }) => Error): Error {
  // a router that cannot do the operation at all (an HTTP router asked to provide) says nothing
  // about the answer: the others' errors speak, unless every router was such a one
  const able = all.filter(err => (err as { name?: string })?.name !== 'RoutingNotSupportedError')
  const errors = able.length > 0 ? able : all
  if (errors.length === 1) return errors[0] as Error
  const failure = errors.find(err => !NOT_FOUND_NAMES.has((err as { name?: string })?.name ?? ''))
  if (failure != null) return failure as Error
  const messages = errors.map(err => (err as Error).message)
  return notFound(`no router had an answer: ${messages.join('; ')}`, { cause: new AggregateError(errors) })
}

/** The routing every node has: the composite of its routers (possibly none). */
export function createCompositeRouting (components: CompositeRoutingComponents, init: CompositeRoutingInit = {}): Routing {
  return new CompositeRouting(components, init)
}

class CompositeRouting implements Routing {
  readonly #routers: Routing[]
  readonly #log: Logger
  readonly #offReason: string

  constructor (components: CompositeRoutingComponents, init: CompositeRoutingInit) {
    this.#routers = [...components.routers]
    this.#log = loggerFor(components.logger, 'cairn:routing:composite')
    this.#offReason = init.offReason ?? DEFAULT_ROUTING_OFF_REASON
  }

  #checkOn (what: string): void {
    if (this.#routers.length === 0) {
      throw new RoutingOffError(`routing is off: ${this.#offReason}; cannot ${what}`)
    }
  }

  async provide (cid: CID, options: RoutingOptions = {}): Promise<void> {
    this.#checkOn(`provide ${cid}`)
    await this.#toAll(`provide ${cid}`, router => router.provide(cid, options))
  }

  async put (key: Uint8Array, value: Uint8Array, options: RoutingOptions = {}): Promise<void> {
    this.#checkOn('put a value record')
    await this.#toAll('put', router => router.put(key, value, options))
  }

  async findPeer (peer: PeerId, options: RoutingOptions = {}): Promise<PeerInfo> {
    this.#checkOn(`find peer ${peer}`)
    return await this.#first(`findPeer ${peer}`, options, (router, opts) => router.findPeer(peer, opts),
      (message, opts) => new PeerNotFoundError(`peer ${peer.toString()} was not found: ${message}`, opts))
  }

  async get (key: Uint8Array, options: RoutingOptions = {}): Promise<Uint8Array> {
    this.#checkOn('get a value record')
    return await this.#first('get', options, (router, opts) => router.get(key, opts),
      (message, opts) => new NotFoundError(`no value record was found: ${message}`, opts))
  }

  async * findProviders (cid: CID, options: FindProvidersOptions = {}): AsyncGenerator<PeerInfo> {
    this.#checkOn(`find providers of ${cid}`)
    let found = 0
    for await (const provider of this.#merge(`findProviders ${cid}`, options, router => router.findProviders(cid, options))) {
      yield provider
      found++
      if (options.maxProviders != null && found >= options.maxProviders) return
    }
  }

  async * getClosestPeers (key: Uint8Array, options: RoutingOptions = {}): AsyncGenerator<PeerInfo> {
    this.#checkOn('find the closest peers')
    yield * this.#merge('getClosestPeers', options, router => router.getClosestPeers(key, options))
  }

  /** Runs `call` on every router; resolves when one succeeded, else throws their combined errors. */
  async #toAll (what: string, call: (router: Routing) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.#routers.map(router => call(router)))
    const errors: unknown[] = []
    for (const result of results) {
      if (result.status === 'rejected') {
        this.#log.error('%s failed in one router: %e', what, result.reason)
        errors.push(result.reason)
      }
    }
    if (errors.length === results.length) {
      throw combineErrors(errors, (message, opts) => new NotFoundError(message, opts))
    }
  }

  /** The first answer of any router; the others are aborted once one answered. */
  async #first<T> (what: string, options: RoutingOptions, call: (router: Routing, options: RoutingOptions) => Promise<T>,
    notFound: (message: string, options: { cause: unknown }) => Error): Promise<T> {
    const done = new AbortController()
    const signal = options.signal == null ? done.signal : AbortSignal.any([options.signal, done.signal])
    const errors: unknown[] = []
    try {
      return await new Promise<T>((resolve, reject) => {
        let pending = this.#routers.length
        for (const router of this.#routers) {
          call(router, { ...options, signal }).then(resolve, (err: unknown) => {
            this.#log('%s: a router had no answer: %e', what, err)
            errors.push(err)
            if (--pending === 0) {
              reject(options.signal?.aborted === true ? abortError(options.signal) : combineErrors(errors, notFound))
            }
          })
        }
      })
    } finally {
      // the losers' work is no longer wanted; their rejections were recorded above
      done.abort()
    }
  }

  /**
   * Every router's stream, interleaved as items arrive, each peer once. Ends when every stream
   * ended; fails only when every router failed.
   */
  async * #merge (what: string, options: RoutingOptions, open: (router: Routing) => AsyncIterable<PeerInfo>): AsyncGenerator<PeerInfo> {
    const seen = new Set<string>()
    const iterators = this.#routers.map(router => open(router)[Symbol.asyncIterator]())
    const next = (i: number): Promise<{ i: number, result?: IteratorResult<PeerInfo>, error?: unknown }> =>
      iterators[i].next().then(result => ({ i, result }), (error: unknown) => ({ i, error }))
    const waiting = new Map<number, ReturnType<typeof next>>(iterators.map((_, i) => [i, next(i)]))
    const errors: unknown[] = []
    try {
      while (waiting.size > 0) {
        const { i, result, error } = await Promise.race(waiting.values())
        throwIfAborted(options.signal)
        if (error != null) {
          this.#log.error('%s failed in one router: %e', what, error)
          errors.push(error)
          waiting.delete(i)
          continue
        }
        if (result == null || result.done === true) {
          waiting.delete(i)
          continue
        }
        waiting.set(i, next(i))
        const key = result.value.id.toString()
        if (seen.has(key)) continue
        seen.add(key)
        yield result.value
      }
      if (errors.length === iterators.length) {
        throw combineErrors(errors, (message, opts) => new NotFoundError(message, opts))
      }
    } finally {
      for (const [i] of waiting) {
        // an early stop (findprovs -n 1) ends the other streams; their end needs no answer
        void iterators[i].return?.()?.catch(() => {})
      }
    }
  }
}
