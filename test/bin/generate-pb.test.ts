import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { findProtoFiles, generateAll, REPO_ROOT } from '../../bin/generate-pb.ts'
import { KeyType, PublicKey } from '../../dht/pb/keys.js'

describe('wire codec generation (npm run generate)', () => {
  const temps: string[] = []
  afterEach(async () => {
    await Promise.all(temps.splice(0).map(async dir => rm(dir, { recursive: true, force: true })))
  })

  it('finds the .proto files under pb/ folders', async () => {
    const protos = (await findProtoFiles()).map(p => p.slice(REPO_ROOT.length + 1))
    expect(protos).toContain(join('dht', 'pb', 'keys.proto'))
    expect(protos).toContain(join('dht', 'pb', 'dht.proto'))
  })

  it('the committed codecs are exactly what the .proto files generate', async () => {
    expect(await generateAll({ check: true })).toEqual([])
  })

  it('reports a codec as stale once its .proto changes, and regenerates it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cairn-pb-test-'))
    temps.push(root)
    const pb = join(root, 'sub', 'pb')
    await mkdir(pb, { recursive: true })
    for (const file of ['keys.proto', 'keys.js', 'keys.d.ts']) await cp(join(REPO_ROOT, 'dht', 'pb', file), join(pb, file))
    expect(await generateAll({ root, check: true })).toEqual([])

    const proto = await readFile(join(pb, 'keys.proto'), 'utf8')
    await writeFile(join(pb, 'keys.proto'), proto.replace('optional bytes Data = 2;', 'optional bytes Data = 2;\n  optional string Comment = 3;'))
    const stale = await generateAll({ root, check: true })
    expect(stale.sort()).toEqual([join('sub', 'pb', 'keys.d.ts'), join('sub', 'pb', 'keys.js')])
    // check mode wrote nothing
    expect(await generateAll({ root, check: true })).toHaveLength(2)

    await generateAll({ root })
    expect(await generateAll({ root, check: true })).toEqual([])
    expect(await readFile(join(pb, 'keys.d.ts'), 'utf8')).toContain('Comment?: string')
  })

  it('the generated PublicKey codec encodes keys byte for byte as libp2p does', async () => {
    const key = await generateKeyPair('Ed25519')
    const reference = publicKeyToProtobuf(key.publicKey)
    const ours = PublicKey.encode({ Type: KeyType.Ed25519, Data: new Uint8Array(key.publicKey.raw) })
    expect(ours).toEqual(reference)
    const decoded = PublicKey.decode(reference)
    expect(decoded.Type).toBe(KeyType.Ed25519)
    expect(decoded.Data).toEqual(key.publicKey.raw)
  })
})
