/**
 * A first-come first-served async mutex: the blockstore serializes every change to its pack
 * files and index through one.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve()

  /** Runs `fn` once every earlier `run` has settled; resolves with its result. */
  async run<T> (fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise<void>(resolve => { release = resolve })
    try {
      await previous
      return await fn()
    } finally {
      release()
    }
  }
}
