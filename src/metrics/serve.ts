import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

/** The HTTP server of `serveMetrics`, answering `GET /metrics` in the Prometheus text format. */
export interface MetricsServer {
  /** `http://host:port/metrics` */
  url: string
  /** Stops the server (the metrics keep being collected). */
  close(): Promise<void>
}

/**
 * Serves a registry at `/metrics` (for `quant-db metrics --port N`, or a service without an HTTP
 * framework). Binds to 127.0.0.1 unless `host` says otherwise; port 0 picks a free one.
 *
 * @example
 * ```ts
 * const metrics = createMetrics(); metrics.observe(qdb)
 * const server = await serveMetrics(metrics.registry, { port: 9187 })
 * ```
 */
export async function serveMetrics(registry: Registry, options: { port: number; host?: string | undefined }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
    )
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/**
 * `quant-db metrics --port N`: the database-side gauges of `qdb` at `/metrics` until SIGINT/SIGTERM.
 * Prints the URL on stdout. Resolves with the exit code.
 */
export async function runMetricsCommand(qdb: import('../client.js').QuantDb, options: { port: number; host?: string | undefined }): Promise<number> {
  const { createMetrics } = await import('./index.js')
  const metrics = createMetrics()
  metrics.observe(qdb)
  const server = await serveMetrics(metrics.registry, options)
  console.log(server.url)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
  return 0
}
