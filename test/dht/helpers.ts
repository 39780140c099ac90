/** Shared helpers of the DHT tests: peer IDs, a silent logger, condition polling. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import { waitFor as sharedWaitFor } from '../helpers/wait.ts'

/** A logger like the node's: silent unless DEBUG names it. */
export const logger: ComponentLogger = defaultLogger()

/** `n` fresh Ed25519 peer IDs. */
export async function peerIds (n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  await sharedWaitFor(condition, { timeout: timeoutMs, interval: everyMs, message: what })
}
