/**
 * One implementation per behaviour in dag/ and blockstore/ (issue 9, section 2): the places
 * that used to hold a second copy must not grow one back. Reads the sources of this checkout,
 * found from this file's own URL.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function sources (...folders: string[]): Array<{ path: string, text: string }> {
  const out: Array<{ path: string, text: string }> = []
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (entry.name.endsWith('.ts')) out.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') })
    }
  }
  for (const folder of folders) visit(join(ROOT, folder))
  return out
}

const OWN = sources('blockstore', 'dag')
const withGatewayCar = [...OWN, ...sources('http-api/gateway').filter(f => f.path.endsWith('car.ts'))]
const where = (files: Array<{ path: string, text: string }>, pattern: RegExp): string[] =>
  files.filter(f => pattern.test(f.text)).map(f => f.path).sort()

describe('one implementation per behaviour', () => {
  it('declares codec and multihash codes only in blockstore/codes.ts', () => {
    const code = /^\s*(export )?const [A-Z0-9_]+ = 0x(70|55|71|0?129|0?200|51|72|0?0|12|13|14|16|22|b220)n?\b/m
    expect(where(withGatewayCar, code)).toEqual(['blockstore/codes.ts'])
  })

  it('has one multihash registry: hash functions are imported only by blockstore/hashes.ts', () => {
    expect(where(OWN, /from '@noble\/hashes/)).toEqual(['blockstore/hashes.ts'])
  })

  it('reads links in one place: only blockstore/links.ts collects the CIDs of a decoded node', () => {
    expect(where(withGatewayCar, /function (collect|collectCids)\b/)).toEqual(['blockstore/links.ts'])
  })

  it('has one walker engine and one CAR writer', () => {
    expect(where(withGatewayCar, /class \w+Limit\b|Promise\.race\(inFlight/)).toEqual(['blockstore/dag-walk.ts'])
    expect(where(withGatewayCar, /CarWriter|version: 1, roots/)).toEqual(['dag/car.ts'])
  })

  it('has one UnixFS Data encoder, with varints from multiformats', () => {
    expect(where(OWN, /export function encode\w*Data\b/)).toEqual(['dag/importer/unixfs-data.ts'])
    // number varints come from multiformats; only unixfs-data.ts writes the int64 (bigint) one
    expect(where(OWN, /function (varintLength|pushVarint)\b|value \/ (128|0x80)\)/)).toEqual([])
    expect(where(OWN, /from 'multiformats'/).filter(p => /varint/.test(readFileSync(join(ROOT, p), 'utf8'))))
      .toEqual(['dag/importer/directory.ts', 'dag/importer/unixfs-data.ts'])
  })
})

/** Lines of the function declared as `export async function name (` up to its closing brace. */
function functionLines (path: string, name: string): number {
  const lines = readFileSync(join(ROOT, path), 'utf8').split('\n')
  const start = lines.findIndex(line => new RegExp(`^export (async )?function \\*? ?${name} \\(`).test(line))
  if (start < 0) throw new Error(`${name} is not declared in ${path}`)
  const end = lines.findIndex((line, i) => i > start && line === '}')
  return end - start + 1
}

describe('rooms a newcomer can read (issue 9, section 4)', () => {
  it('keeps IPLD path stepping out of codecs.ts, in ipld-path.ts', () => {
    expect(where(OWN, /export async function resolveDagPath\b/)).toEqual(['dag/ipld-path.ts'])
  })

  it('splits importCar into named pieces (header, sections, checks, batches)', () => {
    expect(functionLines('dag/car.ts', 'importCar')).toBeLessThan(60)
  })
})
