// rabin-wasm ships no types; this declares the part the rabin chunker uses.
declare module 'rabin-wasm' {
  /** A rabin fingerprinter holding its rolling state across calls. */
  export interface RabinFingerprinter {
    /** Feeds bytes and returns the lengths of the chunks completed by them (state carries over). */
    fingerprint(buf: Uint8Array): ArrayLike<number>
  }

  /** `create(averageBits, min, max, windowSize)` */
  export function create (bits: number, min: number, max: number, windowSize: number): Promise<RabinFingerprinter>

  const rabinWasm: { create: typeof create }
  export default rabinWasm
}
