/**
 * Errors of the network layer, re-exported from the one error table.
 */
export { DialError, ListenError, PeerNotFoundError } from '../../errors/index.ts'
