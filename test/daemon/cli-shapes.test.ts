/**
 * The CLI prints what Kubo prints (issue 14 §3, §4): each expected text below is Kubo's documented
 * output (its sharness and Go CLI tests, or its command source), with only the CIDs of content
 * that could not be rebuilt byte for byte substituted.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { create } from 'kubo-rpc-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tarMemberNames } from '../helpers/tar.ts'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'
import { startDaemon, stopDaemon } from '../helpers/daemon.ts'
import { KUBO_DAG_STAT_CAR } from '../helpers/fixtures.ts'

describe('the CLI in Kubo\'s shapes', () => {
  let repo: TestRepo
  /** CIDs of the t0045-ls tree, by path. */
  const cids: Record<string, string> = {}
  beforeAll(async () => {
    repo = await createTestRepo()
    // Kubo's t0045-ls.sh tree; the two random-data files get other bytes of the same sizes
    const data = join(repo.dir, 'testData')
    await mkdir(join(data, 'd1'), { recursive: true })
    await mkdir(join(data, 'd2'), { recursive: true })
    await writeFile(join(data, 'f1'), 'test\n')
    await writeFile(join(data, 'f2'), 'data\n')
    await writeFile(join(data, 'd1', 'a'), 'hello\n')
    await writeFile(join(data, 'd1', '128'), Buffer.alloc(128, 1))
    await writeFile(join(data, 'd2', 'a'), 'world\n')
    await writeFile(join(data, 'd2', '1024'), Buffer.alloc(1024, 2))
    await writeFile(join(data, 'd2', 'bad\x7fname.txt'), 'badname\n')
    const added = await repo.run(['add', '-r', data], { cwd: repo.dir })
    expect(added.code, added.stderr).toBe(0)
    for (const line of added.out.trim().split('\n')) {
      const [, cid, path] = /^added (\S+) (.*)$/.exec(line) ?? []
      cids[path.replace(/^testData\/?/, '') || '.'] = cid
    }
  })
  afterAll(async () => { await repo?.cleanup() })

  describe('ls (t0045-ls.sh)', () => {
    it('matches the known CIDs of the files Kubo\'s test adds', () => {
      expect(cids).toMatchObject({
        'd1/a': 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN',
        'd2/a': 'QmaRGe7bVmVaLmxbrMiVNXqW4pRNNp3xq7hFtyRKA3mtJL',
        'd2/bad\\x7fname.txt': 'QmQSLRRd1Lxn6NMsWmmj2g9W3LtSRfmVAVqU3ShneLUrbn',
        f1: 'QmeomffUNfmQy76CQGy9NdmqEnnHU9soCexBnGU3ezPHVH',
        f2: 'QmNtocSs7MoDkJMc1RkyisCSKvLadujPsfJfSdJ3e1eA1M'
      })
    })

    it('--headers aligns the columns as Kubo\'s tabwriter', async () => {
      const c = cids
      const result = await repo.run(['ls', '--headers', c['.'], c.d2, c.d1])
      expect(result.code, result.stderr).toBe(0)
      expect(result.out).toBe(`${c['.']}:
Hash                                           Size Name
${c.d1} -    d1/
${c.d2} -    d2/
${c.f1} 5    f1
${c.f2} 5    f2

${c.d2}:
Hash                                           Size Name
${c['d2/1024']} 1024 1024
${c['d2/a']} 6    a
${c['d2/bad\\x7fname.txt']} 8    bad\\x7fname.txt

${c.d1}:
Hash                                           Size Name
${c['d1/128']} 128  128
${c['d1/a']} 6    a
`)
    })

    it('--size=false leaves the size column out; without -v there is no header', async () => {
      const c = cids
      const result = await repo.run(['ls', '--size=false', c.d2, c.d1])
      expect(result.code, result.stderr).toBe(0)
      expect(result.out).toBe(`${c.d2}:
${c['d2/1024']} 1024
${c['d2/a']} a
${c['d2/bad\\x7fname.txt']} bad\\x7fname.txt

${c.d1}:
${c['d1/128']} 128
${c['d1/a']} a
`)
      const sized = await repo.run(['ls', c.d1])
      expect(sized.out).toBe(`${c['d1/128']} 128 128\n${c['d1/a']} 6   a\n`)
    })

    it('--cid-base=base32 prints CIDv1 in base32, as --size=false --cid-base=base32 in t0045', async () => {
      const c = cids
      const v1 = (cid: string): string => CID.parse(cid).toV1().toString(base32)
      const result = await repo.run(['ls', '--size=false', '--cid-base=base32', c.d1])
      expect(result.out).toBe(`${v1(c['d1/128'])} 128\n${v1(c['d1/a'])} a\n`)
      const bad = await repo.run(['ls', '--cid-base=base99', c.d1])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/--cid-base: unknown multibase "base99"/)
    })
  })

  describe('cat', () => {
    it('applies --offset and --length to the files taken together', async () => {
      const c = cids
      // "test\n" + "data\n" + "hello\n"
      expect((await repo.run(['cat', '-o', '7', c.f1, c.f2, c['d1/a']])).out).toBe('ta\nhello\n')
      expect((await repo.run(['cat', '-o', '3', '-l', '5', c.f1, c.f2])).out).toBe('t\ndat')
      expect((await repo.run(['cat', '-o', '5', c.f1, c.f2])).out).toBe('data\n')
      expect((await repo.run(['cat', '-l', '7', c.f1, c.f2, c['d1/a']])).out).toBe('test\nda')
      expect((await repo.run(['cat', '-o', '10', c.f1, c.f2])).out).toBe('')
    })

    it('says so when the offset is past the end of the content', async () => {
      const result = await repo.run(['cat', '-o', '11', cids.f1, cids.f2])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe('Error: --offset 11 is past the end of the content: the 2 files hold 10 bytes\n')
      const one = await repo.run(['cat', '--offset', '6', cids.f1])
      expect(one.stderr).toBe('Error: --offset 6 is past the end of the content: the file holds 5 bytes\n')
    })
  })

  describe('pin ls', () => {
    it('prints "<cid> <type>" lines, and Kubo\'s {"Keys":…} object with --enc=json, NDJSON only with --stream', async () => {
      const text = await repo.run(['pin', 'ls', '--type=recursive'])
      expect(text.out).toBe(`${cids['.']} recursive\n`)
      const json = await repo.run(['pin', 'ls', '--type=recursive', '--enc=json'])
      expect(json.out).toBe(`${JSON.stringify({ Keys: { [cids['.']]: { Type: 'recursive', Name: '' } } })}\n`)
      const stream = await repo.run(['pin', 'ls', '--type=recursive', '--stream', '--enc=json'])
      expect(stream.out).toBe(`${JSON.stringify({ Cid: cids['.'], Type: 'recursive' })}\n`)
      const one = await repo.run(['pin', 'ls', '--enc=json', cids.f1])
      expect(JSON.parse(one.out)).toEqual({ Keys: { [cids.f1]: { Type: `indirect through ${cids['.']}`, Name: '' } } })
    })
  })

  describe('pin update', () => {
    it('moves a recursive pin (Kubo\'s "updated <from> to <to>"), keeping the old one with --unpin=false', async () => {
      const c = cids
      await repo.run(['pin', 'add', c.d1])
      const kept = await repo.run(['pin', 'update', '--unpin=false', c.d1, c.d2])
      expect(kept.code, kept.stderr).toBe(0)
      expect(kept.out).toBe(`updated ${c.d1} to ${c.d2}\n`)
      expect((await repo.run(['pin', 'ls', '--type=recursive', c.d1, c.d2])).out.trim().split('\n').sort()).toEqual(
        [`${c.d1} recursive`, `${c.d2} recursive`].sort())
      await repo.run(['pin', 'rm', c.d2])
      const moved = await repo.run(['pin', 'update', '--enc=json', c.d1, c.d2])
      expect(JSON.parse(moved.out)).toEqual({ Pins: [c.d1, c.d2] })
      const gone = await repo.run(['pin', 'ls', '--type=recursive', c.d1])
      expect(gone.code).toBe(1)
      expect(gone.stderr).toMatch(/is not pinned/)
      const notPinned = await repo.run(['pin', 'update', c.f1, c.f2])
      expect(notPinned.code).toBe(1)
      expect(notPinned.stderr).toMatch(/is not pinned recursively/)
      await repo.run(['pin', 'rm', c.d2])
    })
  })

  describe('refs', () => {
    it('-e prints "<src> -> <dst>" and --format fills <src> <dst> <linkname>', async () => {
      const c = cids
      const edges = await repo.run(['refs', '-e', c.d1])
      expect(edges.out).toBe(`${c.d1} -> ${c['d1/128']}\n${c.d1} -> ${c['d1/a']}\n`)
      const formatted = await repo.run(['refs', '--format', '<linkname>: <src> -> <dst>', c.d1])
      expect(formatted.out).toBe(`128: ${c.d1} -> ${c['d1/128']}\na: ${c.d1} -> ${c['d1/a']}\n`)
      const both = await repo.run(['refs', '-e', '--format', '<dst>!', c.d1])
      expect(both.code).toBe(1)
      expect(both.stderr).toMatch(/--edges and --format cannot be used together/)
    })
  })

  describe('dag', () => {
    it('stat prints Kubo\'s table and summary (test/cli/fixtures/TestDagStatExpectedOutput.txt)', async () => {
      const imported = await repo.run(['dag', 'import', KUBO_DAG_STAT_CAR])
      expect(imported.code, imported.stderr).toBe(0)
      const stat = await repo.run(['dag', 'stat', '--progress=false',
        'bafyreibmdfd7c5db4kls4ty57zljfhqv36gi43l6txl44pi423wwmeskwy', 'bafyreie3njilzdi4ixumru4nzgecsnjtu7fzfcwhg7e6s4s5i7cnbslvn4'])
      expect(stat.code, stat.stderr).toBe(0)
      expect(stat.out).toBe('\n' +
        'CID                                                        \tBlocks         \tSize\n' +
        'bafyreibmdfd7c5db4kls4ty57zljfhqv36gi43l6txl44pi423wwmeskwy\t2              \t53\n' +
        'bafyreie3njilzdi4ixumru4nzgecsnjtu7fzfcwhg7e6s4s5i7cnbslvn4\t2              \t53\n' +
        '\n' +
        'Summary\n' +
        'Total Size: 99 (99 B)\n' +
        'Unique Blocks: 3\n' +
        'Shared Size: 7 (7 B)\n' +
        'Ratio: 1.070707\n' +
        '\n\n')
    })

    it('resolve prints the last block and the path left in it; JSON is {"Cid":{"/"},"RemPath"}', async () => {
      const node = JSON.stringify({ a: { b: 'c' }, link: { '/': cids.f1 } })
      const cid = (await repo.run(['dag', 'put'], { input: node })).out.trim()
      expect((await repo.run(['dag', 'resolve', `/ipfs/${cid}/a/b`])).out).toBe(`${cid}/a/b\n`)
      expect(JSON.parse((await repo.run(['dag', 'resolve', '--enc=json', `${cid}/a/b`])).out)).toEqual({ Cid: { '/': cid }, RemPath: '/a/b' })
      expect(JSON.parse((await repo.run(['dag', 'resolve', '--enc=json', `${cid}/link`])).out)).toEqual({ Cid: { '/': cids.f1 }, RemPath: '' })
      expect((await repo.run(['dag', 'resolve', `${cids['.']}/d1/a`])).out).toBe(`${cids['d1/a']}\n`)
      expect((await repo.run(['dag', 'resolve', '--cid-base=base36', `${cids['.']}/d1/a`])).out)
        .toBe(`${CID.parse(cids['d1/a']).toV1().toString(base36)}\n`)
    })
  })

  describe('stats repo and repo gc', () => {
    it('stats repo is repo stat', async () => {
      const stats = JSON.parse((await repo.run(['stats', 'repo', '--enc=json'])).out)
      const repoStat = JSON.parse((await repo.run(['repo', 'stat', '--enc=json'])).out)
      expect(Object.keys(stats)).toEqual(['RepoSize', 'StorageMax', 'NumObjects', 'RepoPath', 'Version'])
      expect(stats.NumObjects).toBe(repoStat.NumObjects)
      expect(stats.RepoPath).toBe(repo.path)
    })

    it('repo gc accepts --stream-errors and lists what it removed', async () => {
      const loose = (await repo.run(['add', '-Q', '--pin=false'], { input: 'loose block' })).out.trim()
      const gc = await repo.run(['repo', 'gc', '--stream-errors'])
      expect(gc.code, gc.stderr).toBe(0)
      // blocks are stored by multihash: GC names them as CIDv1 raw
      expect(gc.out).toContain(`removed ${CID.createV1(0x55, CID.parse(loose).multihash).toString()}\n`)
    })
  })

  describe('add', () => {
    it('--inline gives blocks of at most 32 bytes identity CIDs (Kubo\'s default --inline-limit)', async () => {
      const result = await repo.run(['add', '-Q', '--inline', '--pin=false'], { input: 'hello' })
      const node = dagPb.encode({ Data: new UnixFS({ type: 'file', data: new TextEncoder().encode('hello') }).marshal(), Links: [] })
      expect(node.length).toBeLessThanOrEqual(32)
      expect(result.out.trim()).toBe(CID.createV1(dagPb.code, identity.digest(node)).toString())
      // 40 bytes are over the default limit, under --inline-limit 64
      const forty = 'x'.repeat(40)
      expect((await repo.run(['add', '-Q', '--inline', '--pin=false'], { input: forty })).out.trim()).toMatch(/^Qm/)
      const inlined = (await repo.run(['add', '-Q', '--inline', '--inline-limit', '64', '--pin=false'], { input: forty })).out.trim()
      expect(CID.parse(inlined).multihash.code).toBe(identity.code)
      expect((await repo.run(['cat', inlined])).out).toBe(forty)
      const tooBig = await repo.run(['add', '--inline', '--inline-limit', '200'], { input: forty })
      expect(tooBig.code).toBe(1)
      expect(tooBig.stderr).toMatch(/inline limit 200 is above the largest identity CID digest, 128 bytes/)
    })

    it('--cid-base prints CIDv1 in that base (CIDv0 upgraded), base58btc keeps CIDv0', async () => {
      const v0 = (await repo.run(['add', '-Q', '--pin=false'], { input: 'base test' })).out.trim()
      expect((await repo.run(['add', '-Q', '--pin=false', '--cid-base=base32'], { input: 'base test' })).out.trim()).toBe(CID.parse(v0).toV1().toString(base32))
      expect((await repo.run(['add', '-Q', '--pin=false', '--cid-base=base58btc'], { input: 'base test' })).out.trim()).toBe(v0)
      // and on block put / block stat / dag put, as Kubo's global --cid-base
      const raw = (await repo.run(['block', 'put'], { input: 'base block' })).out.trim()
      expect((await repo.run(['block', 'put', '--cid-base=base36'], { input: 'base block' })).out.trim()).toBe(CID.parse(raw).toString(base36))
      expect((await repo.run(['block', 'stat', '--cid-base=base36', v0])).out).toBe(`Key: ${CID.parse(v0).toV1().toString(base36)}\nSize: ${(await repo.run(['block', 'stat', v0])).out.split('Size: ')[1]}`)
      const node = (await repo.run(['dag', 'put'], { input: '{"b":2}' })).out.trim()
      expect((await repo.run(['dag', 'put', '--cid-base=base36'], { input: '{"b":2}' })).out.trim()).toBe(CID.parse(node).toString(base36))
    })
  })

  describe('config', () => {
    it('KEY VALUE prints nothing (Kubo); --enc=json answers {"Key","Value"}; a type error hints --json', async () => {
      const set = await repo.run(['config', 'Datastore.StorageMax', '12GB'])
      expect(set.code, set.stderr).toBe(0)
      expect(set.out).toBe('')
      expect((await repo.run(['config', 'Datastore.StorageMax'])).out).toBe('12GB\n')
      expect(JSON.parse((await repo.run(['config', '--enc=json', 'Import.CidVersion', '1', '--json'])).out)).toEqual({ Key: 'Import.CidVersion', Value: 1 })
      const hint = await repo.run(['config', 'Import.CidVersion', '1'])
      expect(hint.code).toBe(1)
      expect(hint.stderr).toBe('Error: failed to set config value: config key Import.CidVersion takes a number (or null for the default), not "1" (maybe use --json?)\n')
      await repo.run(['config', '--json', 'Import.CidVersion', 'null'])
    })

    it('profile apply --dry-run prints the change and saves nothing; JSON is {"OldCfg","NewCfg"}', async () => {
      const before = await readFile(join(repo.path, 'config'), 'utf8')
      const dry = await repo.run(['config', 'profile', 'apply', '--dry-run', 'unixfs-v1-2025'])
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.out).toContain('+ Import.CidVersion: 1\n')
      expect(dry.out).toContain('+ Import.UnixFSChunker: "size-1048576"\n')
      const json = JSON.parse((await repo.run(['config', 'profile', 'apply', '--dry-run', '--enc=json', 'unixfs-v1-2025'])).out)
      expect(Object.keys(json)).toEqual(['OldCfg', 'NewCfg'])
      expect(json.NewCfg.Import.CidVersion).toBe(1)
      expect(json.NewCfg.Identity.PrivKey).toBeUndefined()
      expect(await readFile(join(repo.path, 'config'), 'utf8')).toBe(before)
    })

    it('replace <file> checks the file, keeps Identity, and refuses a private key or an invalid config', async () => {
      const config = JSON.parse(await readFile(join(repo.path, 'config'), 'utf8'))
      const identity = config.Identity
      const next = structuredClone(config)
      delete next.Identity.PrivKey
      next.Identity.PeerID = '12D3KooWSomeoneElse'
      next.Datastore.StorageMax = '77GB'
      const file = join(repo.dir, 'new-config.json')
      await writeFile(file, JSON.stringify(next))
      const replaced = await repo.run(['config', 'replace', file])
      expect(replaced.code, replaced.stderr).toBe(0)
      const after = JSON.parse(await readFile(join(repo.path, 'config'), 'utf8'))
      expect(after.Datastore.StorageMax).toBe('77GB')
      expect(after.Identity).toEqual(identity)

      await writeFile(file, JSON.stringify({ ...next, Identity: { PrivKey: 'CAESQ…' } }))
      const withKey = await repo.run(['config', 'replace', file])
      expect(withKey.code).toBe(1)
      expect(withKey.stderr).toMatch(/setting the private key \(Identity\.PrivKey\) with config replace is not supported/)

      await writeFile(file, JSON.stringify({ ...next, Addresses: { API: 'garbage' } }))
      const invalid = await repo.run(['config', 'replace', file])
      expect(invalid.code).toBe(1)
      expect(invalid.stderr).toMatch(/^Error: the new config is not valid: config key Addresses.API must be a multiaddr .*the config was not changed\n$/)
      expect(JSON.parse(await readFile(join(repo.path, 'config'), 'utf8')).Datastore.StorageMax).toBe('77GB')
    })

    it('edit runs $EDITOR on the config and saves only a valid result', async () => {
      const editor = join(repo.dir, 'editor.mjs')
      await writeFile(editor, `import { readFileSync, writeFileSync } from 'node:fs'
const file = process.argv[process.argv.length - 1]
writeFileSync(file, readFileSync(file, 'utf8').replace('"77GB"', process.env.NEW_VALUE))
`)
      const EDITOR = `'${process.execPath}' '${editor}'`
      const ok = await repo.run(['config', 'edit'], { env: { EDITOR, NEW_VALUE: '"78GB"' } })
      expect(ok.code, ok.stderr).toBe(0)
      expect((await repo.run(['config', 'Datastore.StorageMax'])).out).toBe('78GB\n')

      await repo.run(['config', 'Datastore.StorageMax', '77GB'])
      const bad = await repo.run(['config', 'edit'], { env: { EDITOR, NEW_VALUE: '"lots"' } })
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/^Error: the edited config is not valid, so it was not saved: config key Datastore.StorageMax takes a byte size .*Your edit is kept in /)
      expect((await repo.run(['config', 'Datastore.StorageMax'])).out).toBe('77GB\n')
      expect((await readdir(repo.path)).filter(n => n.startsWith('config.edit-'))).toHaveLength(1)

      const unset = await repo.run(['config', 'edit'], { env: { EDITOR: '' } })
      expect(unset.stderr).toMatch(/config edit needs \$EDITOR set/)
    })
  })

  describe('get', () => {
    it('-a -o x.tar writes the archive x.tar (not x.tar.tar, not a folder); -C -a writes .tar.gz; -C alone gzips the file', async () => {
      const c = cids
      const out = join(repo.dir, 'x.tar')
      const archive = await repo.run(['get', '-a', '-o', out, c.d1])
      expect(archive.code, archive.stderr).toBe(0)
      expect(archive.out).toBe(`Saving archive to ${out}\n`)
      expect(await tarMemberNames(await readFile(out))).toEqual([`${c.d1}/`, `${c.d1}/128`, `${c.d1}/a`])
      // again: Kubo's get replaces the archive
      expect((await repo.run(['get', '-a', '-o', out, c.d1])).code).toBe(0)

      const compressed = await repo.run(['get', '-a', '-C', '-o', join(repo.dir, 'y'), c.d1])
      expect(compressed.out).toBe(`Saving archive to ${join(repo.dir, 'y.tar.gz')}\n`)
      expect(await tarMemberNames(gunzipSync(await readFile(join(repo.dir, 'y.tar.gz'))))).toEqual([`${c.d1}/`, `${c.d1}/128`, `${c.d1}/a`])

      const file = await repo.run(['get', '-C', '-l', '9', '-o', join(repo.dir, 'hello'), c['d1/a']])
      expect(file.out).toBe(`Saving archive to ${join(repo.dir, 'hello.gz')}\n`)
      expect(gunzipSync(await readFile(join(repo.dir, 'hello.gz'))).toString()).toBe('hello\n')

      const folder = await repo.run(['get', '-C', '-o', join(repo.dir, 'z'), c.d1])
      expect(folder.code).toBe(1)
      expect(folder.stderr).toMatch(/add -a for a \.tar\.gz/)
    })

    it('into an existing folder merges and overwrites, as Kubo\'s extractor does', async () => {
      const c = cids
      const out = join(repo.dir, 'existing')
      await mkdir(out)
      await writeFile(join(out, 'a'), 'old contents')
      await writeFile(join(out, 'mine'), 'kept')
      const result = await repo.run(['get', '-o', out, c.d1])
      expect(result.code, result.stderr).toBe(0)
      expect(await readFile(join(out, 'a'), 'utf8')).toBe('hello\n')
      expect(await readFile(join(out, 'mine'), 'utf8')).toBe('kept')
      expect((await readdir(out)).sort()).toEqual(['128', 'a', 'mine'])
      // a file root into an existing folder lands inside it, under its name
      const file = await repo.run(['get', '-o', out, c.f1])
      expect(file.code, file.stderr).toBe(0)
      expect(await readFile(join(out, c.f1), 'utf8')).toBe('test\n')
    })
  })

  describe('errors a careless user meets', () => {
    it('a CID typo says "invalid CID" and why, in words', async () => {
      const short = await repo.run(['cat', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXE'])
      expect(short.stderr).toBe('Error: invalid CID "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXE": a CIDv0 (Qm…) is 46 characters long, this is 45 (characters missing or extra?)\n')
      const letter = await repo.run(['cat', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXE0'])
      expect(letter.stderr).toMatch(/^Error: invalid CID "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXE0": it has a character that is not in the base58btc alphabet/)
      const cut = await repo.run(['cat', 'bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5t'])
      expect(cut.stderr).toMatch(/^Error: invalid CID "bafy\S+": it ends too early for a CID: characters are missing/)
      expect(short.stderr + letter.stderr + cut.stderr).not.toMatch(/Invalid CID version|Non-base|Unexpected end/)
      // the routing commands parse CIDs the same way
      const findprovs = await repo.run(['routing', 'findprovs', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXE'])
      expect(findprovs.code).toBe(1)
      expect(findprovs.stderr).toBe(short.stderr)
    })

    it('--api garbage names the option and what an address looks like', async () => {
      const result = await repo.run(['--api', 'garbage', 'cat', cids.f1])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^Error: --api "garbage" is not an API address: give a multiaddr such as \/ip4\/127\.0\.0\.1\/tcp\/5001/)
      const env = await repo.run(['cat', cids.f1], { env: { CAIRN_API: '/ip4/1.2.3' } })
      expect(env.stderr).toMatch(/^Error: CAIRN_API "\/ip4\/1\.2\.3" is not an API address/)
    })

    it('a taken API port names Addresses.API', async () => {
      const taken: Server = createServer()
      await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
      try {
        const port = (taken.address() as { port: number }).port
        await repo.run(['config', 'Addresses.API', `/ip4/127.0.0.1/tcp/${port}`])
        const daemon = await repo.run(['daemon', '--offline'])
        expect(daemon.code).toBe(1)
        expect(daemon.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}, set by Addresses\\.API: the address is already in use`))
      } finally {
        await new Promise(resolve => taken.close(resolve))
        await repo.run(['config', 'Addresses.API', '/ip4/127.0.0.1/tcp/0'])
      }
    })
  })

  describe('through a running daemon', () => {
    it('kubo-rpc-client\'s pin.ls, resolve and dag.resolve work, and the CLI prints the same shapes', async () => {
      const c = cids
      const daemon = await startDaemon(repo, { args: ['--offline'] })
      try {
        const ipfs = create({ url: daemon.api })

        const pins = await (async () => { const out = []; for await (const pin of ipfs.pin.ls({ type: 'recursive' })) out.push(pin); return out })()
        expect(pins.map(p => [p.cid.toString(), p.type])).toContainEqual([c['.'], 'recursive'])
        const one = await (async () => { const out = []; for await (const pin of ipfs.pin.ls({ paths: [CID.parse(c['d1/a'])] })) out.push(pin); return out })()
        expect(one.map(p => [p.cid.toString(), p.type])).toEqual([[c['d1/a'], `indirect through ${c['.']}`]])
        expect(await ipfs.resolve(`/ipfs/${c['.']}/d1/a`)).toBe(`/ipfs/${c['d1/a']}`)
        const resolved = await ipfs.dag.resolve(`/ipfs/${c['.']}/d2/a`)
        expect([resolved.cid.toString(), resolved.remainderPath]).toEqual([c['d2/a'], ''])

        // the CLI through the daemon: the same text as offline
        expect((await repo.run(['pin', 'ls', '--enc=json', c['.']])).out).toBe(`${JSON.stringify({ Keys: { [c['.']]: { Type: 'recursive', Name: '' } } })}\n`)
        expect((await repo.run(['cat', '-o', '7', c.f1, c.f2, c['d1/a']])).out).toBe('ta\nhello\n')
        const set = await repo.run(['config', 'Datastore.StorageMax', '11GB'])
        expect([set.code, set.out]).toEqual([0, ''])
        expect((await repo.run(['ls', c.d1])).out).toBe(`${c['d1/128']} 128 128\n${c['d1/a']} 6   a\n`)
      } finally {
        await stopDaemon(daemon)
      }
    })
  })
})
