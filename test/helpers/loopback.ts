import net from 'node:net'

/**
 * How a loopback listener treats a client: `close` accepts and closes at once, `silent` accepts and
 * never answers, `garbage` answers bytes that are not the PostgreSQL protocol and stays open,
 * `garbage-close` answers them and closes, `fatal` answers the startup packet with a PostgreSQL
 * ErrorResponse (severity FATAL, the given SQLSTATE) and closes, as a server refusing a password does,
 * and `forward` relays to a real server.
 */
export type ListenerMode =
  | { kind: 'close' | 'silent' | 'garbage' | 'garbage-close' }
  | { kind: 'fatal'; code: string; message: string }
  | { kind: 'forward'; port: number }

export interface Listener {
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  /** Changes how the next connections are treated. */
  setMode(mode: ListenerMode): void
  /** Destroys every open connection (both sides of forwarded ones). */
  dropAll(): void
  close(): Promise<void>
}

/** A PostgreSQL ErrorResponse message: severity FATAL, `code`, `message`. */
function errorResponse(code: string, message: string): Buffer {
  const field = (tag: string, value: string) => Buffer.concat([Buffer.from(tag), Buffer.from(value), Buffer.from([0])])
  const body = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])])
  const header = Buffer.alloc(5)
  header.write('E', 0)
  header.writeUInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

const GARBAGE = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')

/** A listener on 127.0.0.1, on a free port chosen by the system. */
export async function listen(initial: ListenerMode): Promise<Listener> {
  let mode = initial
  let accepted = 0
  const sockets = new Set<net.Socket>()
  const track = (s: net.Socket) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
  }
  const server = net.createServer((socket) => {
    accepted++
    track(socket)
    const m = mode
    switch (m.kind) {
      case 'close': socket.destroy(); break
      case 'silent': break
      case 'garbage': socket.write(GARBAGE); break
      case 'garbage-close': socket.end(GARBAGE); break
      case 'fatal': socket.once('data', () => socket.end(errorResponse(m.code, m.message))); break
      case 'forward': {
        const upstream = net.connect({ host: '127.0.0.1', port: m.port })
        track(upstream)
        socket.pipe(upstream).pipe(socket)
        socket.on('close', () => upstream.destroy())
        upstream.on('close', () => socket.destroy())
        break
      }
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    get accepted() { return accepted },
    setMode(next) { mode = next },
    dropAll() { for (const s of sockets) s.destroy() },
    close() {
      for (const s of sockets) s.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Settles with the outcome of `promise`, or with `'timed out'` after `seconds`. */
export async function within<T>(promise: Promise<T>, seconds: number): Promise<{ value: T } | { error: unknown } | 'timed out'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'timed out'>((resolve) => { timer = setTimeout(() => resolve('timed out'), seconds * 1000) })
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), late])
  } finally {
    clearTimeout(timer)
  }
}
