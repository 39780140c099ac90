import { CairnError } from '../../errors/index.ts'

/**
 * Errors of the network layer. They keep stable names; until they join the table in
 * `errors/index.ts` they map to an internal error (RPC code 2, HTTP 500), as Kubo's do.
 */

/** The peer store holds nothing about a peer (connect to it first). */
export class PeerNotFoundError extends CairnError {
  override name = 'PeerNotFoundError'
}

/** A dial, hang-up or ping failed; the message names the peer and the cause. */
export class DialError extends CairnError {
  override name = 'DialError'
}

/** The host could not listen on a configured swarm address (e.g. the port is taken). */
export class ListenError extends CairnError {
  override name = 'ListenError'
}
