import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRpcClient } from '../../http-api/index.ts'
import { startRpc, TEST_COMMANDS, type RpcFixture } from './helpers.ts'

async function storageMax (f: RpcFixture): Promise<unknown> {
  const onDisk = JSON.parse(await readFile(join(f.dir, 'repo', 'config'), 'utf8'))
  expect(onDisk.Datastore.StorageMax).toBe((f.node.repo.config.Datastore as { StorageMax: string }).StorageMax)
  return onDisk.Datastore.StorageMax
}

const SET = 'config?arg=Datastore.StorageMax&arg=1GB'

describe('RPC security: origins', () => {
  let f: RpcFixture
  beforeAll(async () => {
    f = await startRpc({}, (config) => {
      (config.API as { HTTPHeaders: Record<string, string[]> }).HTTPHeaders['Access-Control-Allow-Origin'] = ['https://webui.example']
    })
  })
  afterAll(async () => { await f.close() })

  it('refuses browser requests from foreign origins before anything runs', async () => {
    const before = await storageMax(f)
    const foreign = [
      { Origin: 'http://evil.example' },
      { Origin: `http://localhost:${f.port + 1}` },
      { Origin: `http://127.0.0.1:${f.port + 1}` },
      { Origin: `http://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.localhost:${f.port}` },
      { Origin: `http://sub.localhost:${f.port}` },
      { Origin: 'null' },
      { Referer: 'http://evil.example/page.html' },
      { Referer: `http://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8.ipns.localhost:${f.port}/` }
    ]
    for (const headers of foreign) {
      // a simple POST (no preflight): text/plain body, as a <form> or fetch(no-cors) sends it
      const res = await f.fetch(SET, { headers: { ...headers, 'Content-Type': 'text/plain' }, body: 'x' })
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
    expect(await storageMax(f)).toBe(before)
  })

  it('refuses them on every endpoint, uploads included', async () => {
    const before = (await f.node.pins.ls()[Symbol.asyncIterator]().next()).done
    for (const command of TEST_COMMANDS.filter(c => c.localOnly !== true)) {
      const res = await f.fetch(command.path.split(' ').join('/'), {
        headers: { Origin: `http://x.ipfs.localhost:${f.port}`, 'Content-Type': 'multipart/form-data; boundary=b' },
        body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nhello\r\n--b--\r\n'
      })
      expect(res.status, command.path).toBe(403)
    }
    expect((await f.node.pins.ls()[Symbol.asyncIterator]().next()).done).toBe(before)
    expect(f.shutdowns).toBe(0)
  })

  it('lets the API\'s own origins, configured origins and non-browser clients through', async () => {
    for (const origin of [`http://127.0.0.1:${f.port}`, `http://localhost:${f.port}`, 'https://webui.example']) {
      const res = await f.fetch('version', { headers: { Origin: origin } })
      expect(res.status, origin).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe(origin)
      expect(res.headers.get('access-control-expose-headers')).toContain('X-Chunked-Output')
    }
    expect((await f.fetch('version', { headers: { Referer: `http://localhost:${f.port}/webui/` } })).status).toBe(200)
    const set = await f.fetch(SET)
    expect(set.status).toBe(200)
    expect(await storageMax(f)).toBe('1GB')
  })

  it('answers preflights for allowed origins only', async () => {
    const ok = await f.fetch('add', { method: 'OPTIONS', headers: { Origin: 'https://webui.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://webui.example')
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST')
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type')
    const refused = await f.fetch('add', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } })
    expect(refused.status).toBe(403)
  })
})

describe('RPC security: authorizations', () => {
  let f: RpcFixture
  beforeAll(async () => {
    f = await startRpc({}, (config) => {
      (config.API as Record<string, unknown>).Authorizations = {
        admin: { AuthSecret: 'bearer:s3cret', AllowedPaths: ['/api/v0'] },
        reader: { AuthSecret: 'basic:alice:pw', AllowedPaths: ['/api/v0/version', '/api/v0/cat'] }
      }
    })
  })
  afterAll(async () => { await f.close() })

  it('needs a secret (401) and keeps each secret to its paths (403)', async () => {
    const none = await f.fetch('version')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('Bearer')
    expect((await f.fetch('version', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await f.fetch('version', { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200)
    const basic = `Basic ${Buffer.from('alice:pw').toString('base64')}`
    expect((await f.fetch('version', { headers: { Authorization: basic } })).status).toBe(200)
    // "/api/v0/version" does not open "/api/v0/versionx", nor other commands
    expect((await f.fetch('versionx', { headers: { Authorization: basic } })).status).toBe(403)
    const before = await storageMax(f)
    expect((await f.fetch(SET, { headers: { Authorization: basic } })).status).toBe(403)
    expect(await storageMax(f)).toBe(before)
  })

  it('lets Cairn\'s client in with a bearer token', async () => {
    const client = createRpcClient({ api: f.url, auth: 's3cret' })
    const version = TEST_COMMANDS.find(c => c.path === 'version')!
    await expect(client.run(version, [], {}, {}, new AbortController().signal)).resolves.toMatchObject({ Repo: '1' })
    const anonymous = await (f.client.run(version, [], {}, {}, new AbortController().signal) as Promise<unknown>).catch((e: Error) => e) as Error
    expect(anonymous.message).toContain('401')
    client.close()
  })

  it('lets Cairn\'s client (--api-auth) in with Kubo\'s basic:<user>:<password> and bearer:<token> forms', async () => {
    const version = TEST_COMMANDS.find(c => c.path === 'version')!
    const id = TEST_COMMANDS.find(c => c.path === 'id')!
    for (const auth of ['basic:alice:pw', 'bearer:s3cret']) {
      const client = createRpcClient({ api: f.url, auth })
      await expect(client.run(version, [], {}, {}, new AbortController().signal), auth).resolves.toMatchObject({ Repo: '1' })
      client.close()
    }
    // the basic secret keeps to its paths; a wrong password is refused
    const reader = createRpcClient({ api: f.url, auth: 'basic:alice:pw' })
    expect(((await (reader.run(id, [], {}, {}, new AbortController().signal) as Promise<unknown>).catch((e: Error) => e)) as Error).message).toContain('403')
    reader.close()
    const wrong = createRpcClient({ api: f.url, auth: 'basic:alice:nope' })
    expect(((await (wrong.run(version, [], {}, {}, new AbortController().signal) as Promise<unknown>).catch((e: Error) => e)) as Error).message).toContain('401')
    wrong.close()
  })
})
