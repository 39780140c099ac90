/**
 * A flame summary of a V8 CPU profile (`node --cpu-prof`): self time by function, by file or
 * package, and total (inclusive) time of the heaviest functions.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/cairn.js add big.bin
 *   node bench/flame.ts /tmp/prof/CPU.*.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises'
import { flags } from './lib.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const args = flags(process.argv.slice(2))
const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--top')
const TOP = Number(args.top ?? 25)
/**
 * The checkout's root as a file URL (this file is `<root>/bench/flame.ts`): profile URLs under it
 * are shown relative to it, wherever the repository was cloned.
 */
const CHECKOUT = new URL('../', import.meta.url).href

function where (url: string): string {
  if (url === '') return '(native/V8)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith('node:')) return url
  return url.startsWith(CHECKOUT) ? url.slice(CHECKOUT.length) : url
}

for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const selfByFn = new Map<string, number>()
  const selfByFile = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const node = byId.get(id) as ProfileNode
    const f = node.callFrame
    const key = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us)
    selfByFile.set(where(f.url), (selfByFile.get(where(f.url)) ?? 0) + us)
    // inclusive: every distinct function on the stack gets the sample once
    const seen = new Set<string>()
    for (let at: number | undefined = id; at != null; at = parent.get(at)) {
      const cf = (byId.get(at) as ProfileNode).callFrame
      const k = `${cf.functionName || '(anonymous)'} ${where(cf.url)}:${cf.lineNumber + 1}`
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + us)
    }
  }
  const show = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title}`)
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
      console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)}%  ${key}`)
    }
  }
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`)
  show('self time by file/package', selfByFile)
  show('self time by function', selfByFn)
  show('total time by function', inclusive)
}
