// Secrets never reach api_logs, system_logs or a log line (no secret in a stored log or a log line). A broker client
// logs what it sent: KIS (Korea Investment & Securities) calls carry `authorization: Bearer <JWT>`,
// `appkey` and `appsecret` headers, `secretkey` in the websocket approval request, and the account
// number (`CANO`) in the body. Redaction errs on the side of hiding: any key that merely *contains*
// a secret-looking word is hidden (a `token_type` of 'Bearer' is lost, a token never leaks).

/** What a redacted value reads as in a stored API log: `[REDACTED]`. */
export const REDACTED = '[REDACTED]'

// Compared against the key lower-cased with everything but letters and digits removed, so that
// `appKey`, `app_key`, `APP-KEY` and `x-app-key` are one and the same.
const SECRET_WORDS = [
  'secret', 'token', 'password', 'passwd', 'passphrase', 'apikey', 'appkey', 'authorization', 'cookie',
  'privatekey', 'approvalkey', 'seckey', 'credential', 'sessionid', 'signature',
]
const SECRET_KEYS = new Set(['pwd', 'auth', 'xauth'])
// Account numbers are masked, not hidden: the last two digits tell a person's accounts apart while
// debugging, and do not identify an account. `ACNT_PRDT_CD` (the 2-digit product code) is not secret.
const ACCOUNT_KEYS = new Set(['cano', 'accountno', 'accountnumber', 'acctno', 'acntno', 'accountnum'])

const normalize = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '')

/** True for a key whose value is a secret: `appsecret`, `Authorization`, `x-api-key`, `refresh_token`... */
export function isSecretKey(key: string): boolean {
  const k = normalize(key)
  return SECRET_KEYS.has(k) || SECRET_WORDS.some((w) => k.includes(w))
}

/** True for a key that holds an account number (`CANO`, `accountNo`...). */
export function isAccountKey(key: string): boolean {
  return ACCOUNT_KEYS.has(normalize(key))
}

/** '12345678' → '******78'; four characters or fewer are masked entirely. */
export function maskAccount(value: string): string {
  return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 2) + value.slice(-2)
}

// `key=`, `key:`, `"key":`, `'key' =` — the key and its separator; the value is read after it.
// Keys are capped at 64 characters so that a long run of word characters (a base64 blob in a
// message) costs linear time, not quadratic; a longer key is still caught by its last 64 characters.
const KEY_AND_SEPARATOR = /(["']?)([A-Za-z_][\w.-]{0,63})\1[ \t]*[=:][ \t]*/g
// The value, read where the separator ends (sticky): quoted, or up to a delimiter, with an optional
// auth scheme ("Bearer xyz" is one value).
const QUOTED_VALUE = /"[^"]*"|'[^']*'/y
const BARE_VALUE = /(?:(?:bearer|basic|token|digest)[ \t]+)?[^\s"'&,;})\]]+/iy
const AUTH_SCHEME = /\b(Bearer|Basic|Digest)[ \t]+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/gi
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g
// The password of a URL's user info: `postgres://app:<password>@db:5432/quant` (a connection string in an
// error message). The user name is kept; the password runs up to the last '@' before the host.
// Lengths are capped so that a hostile message costs linear time.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,128}:)[^\s/?#"'<>]{1,256}@(?=[^\s@]{0,256}(?:[\s/?#"'<>]|$))/gi
// NUL is refused by text and jsonb columns; lone surrogates by jsonb.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Hides secrets inside free text: `key=value` and `key: value` pairs whose key is secret (query
 * strings, headers, JSON written into an error message), `Bearer`/`Basic` credentials, JWTs
 * (KIS access tokens are JWTs) and the password of a URL (`postgres://user:password@host`). Account numbers in such pairs are masked. Also replaces characters
 * PostgreSQL cannot store (NUL, lone surrogates) with U+FFFD.
 *
 * @example
 * ```ts
 * redactText('GET /quotations?appkey=PSabc&FID_INPUT_ISCD=005930') // 'GET /quotations?appkey=[REDACTED]&FID_INPUT_ISCD=005930'
 * ```
 */
export function redactText(text: string): string {
  let out = ''
  let last = 0
  KEY_AND_SEPARATOR.lastIndex = 0
  for (let m = KEY_AND_SEPARATOR.exec(text); m !== null; m = KEY_AND_SEPARATOR.exec(text)) {
    const key = m[2] as string
    const secret = isSecretKey(key)
    if (!secret && !isAccountKey(key)) {
      // Not a secret: keep scanning right after the separator, so `note: appkey=x` still finds `appkey`.
      continue
    }
    const start = m.index + m[0].length
    QUOTED_VALUE.lastIndex = start
    const quoted = QUOTED_VALUE.exec(text)
    BARE_VALUE.lastIndex = start
    const bare = quoted ? null : BARE_VALUE.exec(text)
    const value = quoted?.[0] ?? bare?.[0]
    if (value === undefined) continue
    const quote = quoted ? value[0] as string : ''
    const inner = quoted ? value.slice(1, -1) : value
    const replaced = secret ? REDACTED : maskAccount(inner)
    out += text.slice(last, start) + quote + replaced + quote
    last = start + value.length
    KEY_AND_SEPARATOR.lastIndex = last
  }
  out += text.slice(last)
  return out.replace(AUTH_SCHEME, `$1 ${REDACTED}`).replace(JWT, REDACTED).replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(UNSTORABLE, '\uFFFD')
}

const MAX_DEPTH = 20

/**
 * A JSON-safe copy of `value` with secrets hidden at any depth: values under secret keys become
 * '[REDACTED]', account numbers are masked, strings go through {@link redactText}. Values JSON
 * cannot carry become text (NaN → 'NaN', 10n → '10', a Date → its ISO string, an Error → its name,
 * message and stack); circular references become '[Circular]', depth beyond 20 '[Truncated]'.
 *
 * @example
 * ```ts
 * redactParams({ headers: { authorization: 'Bearer eyJ...', appkey: 'PS...', tr_id: 'TTTC0802U' }, body: { CANO: '50012345' } })
 * // { headers: { authorization: '[REDACTED]', appkey: '[REDACTED]', tr_id: 'TTTC0802U' }, body: { CANO: '******45' } }
 * ```
 */
export function redactParams(value: unknown): unknown {
  return redactValue(value, 0, new Set())
}

function redactValue(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string': return redactText(value)
    case 'number': return Number.isFinite(value) ? value : String(value)
    case 'boolean': return value
    case 'bigint': return value.toString()
    case 'undefined': return undefined
    case 'function': case 'symbol': return undefined
  }
  if (value === null) return null
  const object = value as object
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[Binary ${(value as ArrayBufferLike).byteLength} bytes]`
  if (value instanceof URL) return redactText(value.href)
  if (depth >= MAX_DEPTH) return '[Truncated]'
  if (seen.has(object)) return '[Circular]'
  seen.add(object)
  try {
    if (Array.isArray(value) || value instanceof Set) return redactList([...(value as Iterable<unknown>)], depth, seen)
    const entries: [string, unknown][] = value instanceof Map || value instanceof Headers || value instanceof URLSearchParams
      ? [...(value as Map<unknown, unknown>).entries()].map(([k, v]) => [String(k), v])
      : value instanceof Error
        ? [['name', value.name], ['message', value.message], ['stack', value.stack], ...Object.entries(value)]
        : Object.entries(object)
    const out: Record<string, unknown> = {}
    for (const [rawKey, item] of entries) {
      const key = rawKey.replace(UNSTORABLE, '\uFFFD')
      if (item === undefined || item === null) {
        if (item === null) out[key] = null
        continue
      }
      if (isSecretKey(key)) out[key] = REDACTED
      else if (isAccountKey(key) && (typeof item === 'string' || typeof item === 'number')) out[key] = maskAccount(String(item))
      else {
        const redacted = redactValue(item, depth + 1, seen)
        if (redacted !== undefined) out[key] = redacted
      }
    }
    return out
  } finally {
    seen.delete(object)
  }
}

/**
 * Arrays are redacted item by item, and header lists too: in `['Authorization', 'Bearer x', 'appkey', 'PS..']`
 * (Node's rawHeaders) or `[['appkey', 'PS..']]` (fetch's header tuples) a string item following a
 * secret key's name is hidden.
 */
function redactList(items: readonly unknown[], depth: number, seen: Set<object>): unknown[] {
  const out = new Array<unknown>(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    const previous = i > 0 ? items[i - 1] : undefined
    if (typeof previous === 'string' && isSecretKey(previous) && (typeof item === 'string' || typeof item === 'number')) {
      out[i] = REDACTED
    } else if (typeof previous === 'string' && isAccountKey(previous) && (typeof item === 'string' || typeof item === 'number')) {
      out[i] = maskAccount(String(item))
    } else {
      out[i] = redactValue(item, depth + 1, seen) ?? null
    }
  }
  return out
}
