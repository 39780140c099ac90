/**
 * Who may call the RPC API. Checked for every request before anything else (before the command
 * is looked up and before a byte of the body is read):
 *
 * 1. **Origin.** A browser names the page that sends a request in `Origin` (or, failing that, in
 *    `Referer`). Such a request is refused with 403 unless that origin is allowed: by default only
 *    the API's own origins, `http://127.0.0.1:<port>` and `http://localhost:<port>`; not other
 *    ports, not `*.localhost` (the gateway serves untrusted content from
 *    `{cid}.ipfs.localhost`, and it must never reach this API); more through
 *    `API.HTTPHeaders["Access-Control-Allow-Origin"]`. This holds for simple POSTs, which a browser
 *    sends without a preflight. Requests without either header (curl, Node clients) pass.
 * 2. **Authorization** (optional): with `API.Authorizations` set, a request needs one of its
 *    secrets (`Authorization: Bearer <token>` or Basic) — else 401 — and a path under one of that
 *    secret's `AllowedPaths` — else 403.
 *
 * @see https://github.com/ipfs/kubo/blob/master/docs/config.md#api
 */

/** One entry of `API.Authorizations`, Kubo's shape. */
export interface ApiAuthorization {
  /** `bearer:<token>` or `basic:<user>:<password>`; a secret without a known scheme is a bearer token. */
  AuthSecret: string
  /** Path prefixes the secret may call, e.g. `["/api/v0"]` or `["/api/v0/version"]`. */
  AllowedPaths: string[]
}

/** What the guard decided. */
export type GuardVerdict =
  | { allow: true, /** The request's `Origin`, for the CORS answer headers. */ origin?: string }
  | { allow: false, status: 401 | 403, message: string, headers?: Record<string, string> }

interface Secret {
  name: string
  digest: Buffer
  allowedPaths: string[]
  scheme: 'bearer' | 'basic'
}

/** node:crypto, loaded when a secret is checked: the CLI only formats headers, and starts faster without it. */
function crypto (): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto')
}

function digest (text: string): Buffer {
  return crypto().createHash('sha256').update(text).digest()
}

/** The `Authorization` header value a secret stands for. */
function expectedHeader (secret: string): { value: string, scheme: 'bearer' | 'basic' } {
  if (secret.startsWith('basic:')) {
    return { value: `Basic ${Buffer.from(secret.slice('basic:'.length)).toString('base64')}`, scheme: 'basic' }
  }
  const token = secret.startsWith('bearer:') ? secret.slice('bearer:'.length) : secret
  return { value: `Bearer ${token}`, scheme: 'bearer' }
}

/**
 * The `Authorization` header a client sends for a secret written as Kubo writes it (`--api-auth`,
 * `API.Authorizations`): `basic:<user>:<password>` → `Basic <base64>`, `bearer:<token>` or a bare
 * token → `Bearer <token>`. The server compares against the same conversion.
 */
export function authorizationHeader (secret: string): string {
  return expectedHeader(secret).value
}

/** The origin of a `Referer`, or `'null'` when it has none. */
function originOfReferer (referer: string): string {
  try {
    return new URL(referer).origin
  } catch {
    // an unparsable Referer has no origin: it counts as the opaque origin "null" (refused)
    return 'null'
  }
}

/** True when `path` is `prefix` or below it. */
function under (path: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, '')
  return base === '' || path === base || path.startsWith(`${base}/`)
}

/** Options of {@link createApiGuard}. */
export interface ApiGuardInit {
  /** Origins allowed besides the API's own (`API.HTTPHeaders["Access-Control-Allow-Origin"]`); `*` allows all. */
  allowedOrigins?: readonly string[]
  /** `API.Authorizations`. Default: none (no authorization needed). */
  authorizations?: Record<string, ApiAuthorization>
  /** The port the API listens on, asked per request (it is known only once listening). */
  port: () => number | undefined
}

/** The checks of the module comment, for one server. */
export interface ApiGuard {
  /** Decides on a request from its method, path and headers. */
  check(request: { method: string, path: string, headers: Record<string, string | string[] | undefined> }): GuardVerdict
  /** True when a browser page at `origin` may call the API. */
  originAllowed(origin: string): boolean
}

export function createApiGuard (init: ApiGuardInit): ApiGuard {
  const extra = new Set((init.allowedOrigins ?? []).map(o => o.replace(/\/+$/, '')))
  const secrets: Secret[] = Object.entries(init.authorizations ?? {}).map(([name, auth]) => {
    if (typeof auth?.AuthSecret !== 'string' || auth.AuthSecret === '') {
      throw new TypeError(`API.Authorizations.${name} has no AuthSecret`)
    }
    const expected = expectedHeader(auth.AuthSecret)
    return { name, digest: digest(expected.value), scheme: expected.scheme, allowedPaths: Array.isArray(auth.AllowedPaths) ? auth.AllowedPaths : [] }
  })
  const challenge = [...new Set(secrets.map(s => s.scheme === 'basic' ? 'Basic realm="cairn"' : 'Bearer realm="cairn"'))].join(', ')

  const originAllowed = (origin: string): boolean => {
    if (extra.has('*') || extra.has(origin)) return true
    const port = init.port()
    if (port == null) return false
    // browsers leave the default port out of an origin
    const suffix = port === 80 ? '' : `:${port}`
    return origin === `http://127.0.0.1${suffix}` || origin === `http://localhost${suffix}`
  }

  return {
    originAllowed,
    check ({ method, path, headers }) {
      const header = (name: string): string | undefined => {
        const value = headers[name]
        return Array.isArray(value) ? value[0] : value
      }
      const originHeader = header('origin')
      const referer = header('referer')
      const origin = originHeader ?? (referer != null ? originOfReferer(referer) : undefined)
      if (origin != null && !originAllowed(origin)) {
        return { allow: false, status: 403, message: `403 - Forbidden: requests from the origin ${origin} are not allowed (add it to API.HTTPHeaders.Access-Control-Allow-Origin to allow it)` }
      }
      // a preflight carries no credentials; the request it announces is checked on its own
      if (secrets.length === 0 || method === 'OPTIONS') return { allow: true, origin: originHeader }
      const given = header('authorization')
      const match = given != null ? secrets.find(s => crypto().timingSafeEqual(s.digest, digest(given))) : undefined
      if (match == null) {
        return { allow: false, status: 401, message: '401 - Unauthorized: this API needs an Authorization header with one of the secrets of API.Authorizations', headers: { 'WWW-Authenticate': challenge } }
      }
      if (!match.allowedPaths.some(prefix => under(path, prefix))) {
        return { allow: false, status: 403, message: `403 - Forbidden: the secret "${match.name}" may not call ${path}` }
      }
      return { allow: true, origin: originHeader }
    }
  }
}
