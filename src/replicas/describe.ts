/** host:port/database of a connection URL, for messages: never the user or password. */
export function describeServer(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`
  } catch {
    return 'a configured replica'
  }
}
