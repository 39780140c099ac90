/**
 * Reading tar archives in tests: the member names, in order, as an extractor would see them.
 */
import { Readable } from 'node:stream'
import tar from 'tar-stream'

/**
 * The member names of a tar archive. With `partial`, an archive that breaks off (a stream the
 * server cut short) yields the names read before the break instead of failing.
 */
export async function tarMemberNames (archive: Uint8Array, options: { partial?: boolean } = {}): Promise<string[]> {
  const names: string[] = []
  const reader = tar.extract()
  const done = (async () => {
    for await (const entry of reader) {
      names.push(entry.header.name)
      entry.resume()
    }
  })()
  Readable.from([archive]).pipe(reader)
  if (options.partial === true) await done.catch(() => {})
  else await done
  return names
}
