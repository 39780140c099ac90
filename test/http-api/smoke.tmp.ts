import { startRpc, collect, entries, file, bytesOf } from './helpers.ts'
const f = await startRpc()
try {
  console.log(await f.remote('version'))
  console.log(await (await f.fetch('version')).text())
  console.log(await f.remote('config', ['Addresses.API']))
  const added = await collect(f.remote('add', [], {}, { entries: entries(file('a.txt', 'hello world\n')) }) as AsyncIterable<any>)
  console.log(added)
  const local = await collect(f.local('add', [], { 'only-hash': true }, { entries: entries(file('a.txt', 'hello world\n')) }) as AsyncIterable<any>)
  console.log(local)
  console.log((await bytesOf(f.remote('cat', [added[0].Hash]) as any)).toString())
  const r = await f.fetch('cat?arg=bafkqaaa-bad')
  console.log(r.status, await r.text())
  try { await collect(f.remote('cat', ['bafkqaaa-bad']) as any) } catch (e: any) { console.log(e.name, e.message) }
  try { await collect(f.local('cat', ['bafkqaaa-bad']) as any) } catch (e: any) { console.log(e.name, e.message) }
} finally { await f.close() }
