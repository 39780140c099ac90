/** What the naming tests share. */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { openKeystore, type Keystore } from '../../naming/keystore.ts'

/** The `name` of the error `promise` rejects with, or 'no error'. */
export async function failure (promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    return (err as Error).name
  }
  return 'no error'
}

/** A keystore in `root` whose `self` is a new Ed25519 identity; also that identity's multihash. */
export async function freshKeystore (root: string): Promise<{ keystore: Keystore, selfId: Uint8Array }> {
  const identity = await generateKeyPair('Ed25519')
  const keystore = await openKeystore(root, Buffer.from(privateKeyToProtobuf(identity)).toString('base64'))
  return { keystore, selfId: identity.publicKey.toMultihash().bytes }
}
