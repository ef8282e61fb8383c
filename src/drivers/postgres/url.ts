import { QuantDbError } from '../../errors.js'

/** Where a server URL points, without its credentials. */
export interface ServerAddress {
  /** `host:port` of each host (a URL may list several, comma-separated). */
  endpoints: string[]
  /** The database named by the URL's path (`undefined`: postgres.js's default, the user name or `PGDATABASE`). */
  database: string | undefined
}

const SCHEME = /^postgres(?:ql)?:\/\//i

/**
 * The URL with its password replaced by `***`, for messages. Everything between `user:` and the
 * last `@` counts as the password, so an unencoded `@`, `/` or `?` in it cannot leak a part of it.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('://') + 3
  const at = url.lastIndexOf('@')
  if (start < 3 || at < start) return url
  const userinfo = url.slice(start, at)
  const colon = userinfo.indexOf(':')
  return colon < 0 ? url : `${url.slice(0, start)}${userinfo.slice(0, colon)}:***${url.slice(at)}`
}

function invalid(url: string, problem: string): QuantDbError {
  return new QuantDbError('configuration', `Invalid server URL ${redactUrl(url)}: ${problem}`)
}

/**
 * Checks a `postgres://` URL the way postgres.js will read it, and throws a QuantDbError
 * (`configuration`) naming the problem, never the password, where postgres.js would throw Node's
 * `TypeError: Invalid URL` (whose `input` property holds the whole URL) or connect to port `NaN`.
 *
 * @example `parseServerUrl('postgres://me:pw@db1:5432,db2:5433/quant') // { endpoints: ['db1:5432', 'db2:5433'], database: 'quant' }`
 */
export function parseServerUrl(url: string): ServerAddress {
  if (typeof url !== 'string' || url.trim() === '') throw new QuantDbError('configuration', 'The server URL is empty.')
  if (!SCHEME.test(url)) throw invalid(url, 'it must start with postgres:// or postgresql://')
  // postgres.js: the host list is what follows the first '@' of the part before the first '/' or '?'.
  const rest = url.slice(url.indexOf('://') + 3)
  const authority = rest.split(/[?/]/)[0] ?? ''
  // An '@' after the host (before any query) means a '/' or '?' in the user name or password cut the
  // authority short: postgres.js would take part of the credentials for the host.
  if ((rest.split('?')[0] ?? '').lastIndexOf('@') > authority.length) {
    throw invalid(url, 'a special character in the user name or password is not %-encoded')
  }
  let hostList: string
  try {
    hostList = decodeURIComponent(authority.slice(authority.indexOf('@') + 1))
  } catch {
    throw invalid(url, 'a %-escape in the host is malformed')
  }
  const endpoints: string[] = []
  for (const entry of hostList.split(',')) {
    const ipv6 = entry.startsWith('[')
    const close = ipv6 ? entry.indexOf(']') : -1
    if (ipv6 && close < 0) throw invalid(url, "it is not a valid URL (an IPv6 address lacks its closing ']')")
    const host = ipv6 ? entry.slice(0, close + 1) : entry.split(':')[0] ?? ''
    const portText = ipv6 ? entry.slice(close + 1).replace(/^:/, '') : entry.slice(host.length + 1)
    if (portText !== '' && !(/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535)) {
      throw invalid(url, `the port of host '${host}' is not a number from 1 to 65535`)
    }
    if (hostList.includes(',') && host === '') throw invalid(url, 'a host of the comma-separated list is empty')
    endpoints.push(`${host || 'localhost'}:${portText || '5432'}`)
  }
  let parsed: URL
  try {
    // What postgres.js parses: the URL with its first host only.
    parsed = new URL(url.replace(hostList, hostList.split(',')[0] ?? ''))
  } catch {
    throw invalid(url, 'it is not a valid URL (check the host, and %-encode special characters in the user name and password)')
  }
  try {
    decodeURIComponent(parsed.username)
    decodeURIComponent(parsed.password)
  } catch {
    throw invalid(url, 'a %-escape in the user name or password is malformed')
  }
  let database: string | undefined
  try {
    database = decodeURIComponent(parsed.pathname.slice(1)) || undefined
  } catch {
    throw invalid(url, 'a %-escape in the database name is malformed')
  }
  return { endpoints, database }
}

/** `127.0.0.1:5432, database quant`: where a server URL points, for messages. */
export function describeServer(address: ServerAddress): string {
  return `${address.endpoints.join(',')}, database ${address.database ?? '(the default)'}`
}
