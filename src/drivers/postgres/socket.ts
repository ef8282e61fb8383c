import net from 'node:net'

/** The parts of postgres.js's resolved options its `socket` hook receives. */
export interface SocketTarget {
  host: string[]
  port: number[]
  path?: string | false | undefined
  ssl?: unknown
  sslnegotiation?: string | null | undefined
}

/** What the hook saw go wrong last, for a clearer message than the one postgres.js is left with. */
export interface SocketDiagnosis {
  lastFailure?: Error | undefined
}

type Endpoint = { host: string; port: number } | { path: string }

const where = (e: Endpoint): string => ('path' in e ? e.path : `${e.host}:${e.port}`)

/** A connection error shaped like postgres.js's own (its `errno` repeats the code; address and port set). */
function connectionError(endpoint: Endpoint, code: string, message: string): Error {
  const address = 'path' in endpoint ? { address: endpoint.path } : { address: endpoint.host, port: endpoint.port }
  return Object.assign(new Error(message), { code, errno: code, ...address })
}

// The messages a server sends from the startup packet to ReadyForQuery: Authentication (R),
// ParameterStatus (S), BackendKeyData (K), ReadyForQuery (Z), ErrorResponse (E), NoticeResponse (N),
// NegotiateProtocolVersion (v).
const STARTUP_MESSAGES = new Set([0x52, 0x53, 0x4b, 0x5a, 0x45, 0x4e, 0x76])
const READY_FOR_QUERY = 0x5a
const MAX_STARTUP_MESSAGE = 1 << 20

/**
 * Watches a new connection until the server says ReadyForQuery. postgres.js reconnects at once,
 * for ever and without its connect timer, when a peer closes the connection during startup
 * (measured: ~700 attempts a second against a listener that accepts and closes; `createQuantDb`
 * never settled). Turning that close, or an answer that is not the PostgreSQL protocol, into a
 * socket error makes postgres.js reject the waiting query instead. With TLS only the answer to the
 * SSL request is checked; the TLS layer refuses what follows if it is not TLS.
 */
function watchStartup(socket: net.Socket, endpoint: Endpoint, tls: boolean, diagnosis: SocketDiagnosis): void {
  let sslAnswerPending = tls
  let header = Buffer.alloc(0)
  let skip = 0
  const finish = (): void => {
    socket.removeListener('data', onData)
    socket.removeListener('end', onEnd)
  }
  const fail = (code: string, why: string): void => {
    finish()
    const error = connectionError(endpoint, code, `The server at ${where(endpoint)} ${why}`)
    diagnosis.lastFailure = error
    socket.destroy(error)
  }
  function onData(chunk: Buffer): void {
    let i = 0
    if (sslAnswerPending) {
      sslAnswerPending = false
      const answer = chunk[0]
      if (answer === 0x53) return finish() // 'S': TLS from here on
      if (answer === 0x4e) i = 1 // 'N': no TLS; the plain protocol follows
      else if (answer !== 0x45) return fail('EPROTO', 'answered something that is not the PostgreSQL protocol')
    }
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i)
        skip -= n
        i += n
        continue
      }
      const part = chunk.subarray(i, i + 5 - header.length)
      header = header.length === 0 ? Buffer.from(part) : Buffer.concat([header, part])
      i += part.length
      if (header.length < 5) return
      const type = header[0]!
      const length = header.readUInt32BE(1)
      header = Buffer.alloc(0)
      if (!STARTUP_MESSAGES.has(type) || length < 4 || length > MAX_STARTUP_MESSAGE) {
        return fail('EPROTO', 'answered something that is not the PostgreSQL protocol')
      }
      if (type === READY_FOR_QUERY) return finish()
      skip = length - 4
    }
  }
  function onEnd(): void {
    fail('CONNECTION_CLOSED', 'closed the connection before it was ready (is it a PostgreSQL server, and does it accept this client?)')
  }
  socket.on('data', onData)
  socket.once('end', onEnd)
}

/**
 * Opens the TCP (or Unix) connection for postgres.js with Nagle's algorithm off. postgres.js leaves
 * it on, and a COPY ends with a small CopyDone message written after the data: Nagle holds it until
 * the server acknowledges the data, which the server's delayed ACK puts off by ~40 ms — twice per
 * COPY (measured: a 1-bar upsert through COPY took ~95 ms, 9 ms with this). Tries each host in turn,
 * as postgres.js does, within `timeoutSeconds` per host (its own connect timer starts only after this).
 * The socket carries `host` and `port`, which postgres.js puts in its error messages, and is watched
 * until the server is ready (see watchStartup).
 */
export function openSocket(target: SocketTarget, timeoutSeconds: number, diagnosis: SocketDiagnosis = {}): Promise<net.Socket> {
  const endpoints: Endpoint[] = target.path
    ? [{ path: target.path }]
    : target.host.map((host, i) => ({ host, port: target.port[i] ?? target.port[0] ?? 5432 }))
  const tls = Boolean(target.ssl) && target.ssl !== 'disable'
  const direct = tls && target.sslnegotiation === 'direct'
  const attempt = (i: number, last?: Error): Promise<net.Socket> => {
    const endpoint = endpoints[i]
    if (!endpoint) return Promise.reject(last ?? new Error('no host to connect to'))
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect('path' in endpoint ? { path: endpoint.path } : { ...endpoint, noDelay: true })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(connectionError(endpoint, 'CONNECT_TIMEOUT', `Connecting to ${where(endpoint)} timed out after ${timeoutSeconds}s`))
      }, timeoutSeconds * 1000)
      const failed = (error: Error) => {
        clearTimeout(timer)
        reject(error)
      }
      socket.once('error', failed)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeListener('error', failed)
        Object.assign(socket, 'path' in endpoint ? { host: endpoint.path } : { host: endpoint.host, port: endpoint.port })
        if (!direct) watchStartup(socket, endpoint, tls, diagnosis)
        resolve(socket)
      })
    }).catch((error: Error) => attempt(i + 1, error))
  }
  return attempt(0)
}
