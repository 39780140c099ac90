/**
 * The per-request ceiling of `reference/performance-anchors.md` §6: a fastify hello-world
 * (12-byte body) on 127.0.0.1, in its own process. `bench/rpc.ts` runs it next to the daemon.
 * Prints `listening <port>` once it accepts connections.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
// POST, as every RPC call is; no body
app.post('/hello', async () => 'hello world\n')
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
console.log(`listening ${typeof address === 'object' && address != null ? address.port : ''}`)
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
