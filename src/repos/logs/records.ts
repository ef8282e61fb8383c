import type { QueryRunner } from '../../drivers/types.js'
import type { NewApiLogRow, NewSystemLogRow } from '../../schema/index.js'
import { apiLogSchema, systemLogSchema, type ApiLogInput, type SystemLogInput } from '../../validation/logs.js'
import { checkOne } from '../../validation/validate.js'
import { redactParams, redactText } from './redact.js'

// Entries are redacted first and validated second: what is checked is exactly what is stored, and a
// validation message can only ever name a field (the messages carry no values anyway).

const text = (v: unknown): unknown => (typeof v === 'string' ? redactText(v) : v)
const object = (v: unknown): unknown => (v === null || v === undefined ? v : redactParams(v))

/** A broker API call as an `api_logs` row: redacted, validated (throws ValidationError). */
export function toApiLogRow(entry: ApiLogInput, regions: ReadonlySet<string>): NewApiLogRow & { timestamp: Date } {
  const redacted = entry === null || typeof entry !== 'object' ? entry : {
    ...entry,
    apiEndpoint: text(entry.apiEndpoint),
    ...('requestParams' in entry ? { requestParams: object(entry.requestParams) } : {}),
    ...('errorMessage' in entry ? { errorMessage: text(entry.errorMessage) } : {}),
  }
  const e = checkOne('api_logs', redacted, apiLogSchema(regions))
  const status = e.responseStatus ?? null
  return {
    timestamp: e.timestamp ?? new Date(),
    apiEndpoint: e.apiEndpoint,
    region: e.region ?? null,
    requestParams: e.requestParams ?? null,
    responseStatus: status,
    responseTimeMs: e.responseTimeMs ?? null,
    errorMessage: e.errorMessage ?? null,
    success: e.success ?? ((e.errorMessage === null || e.errorMessage === undefined || e.errorMessage === '') && (status === null || status < 400)),
  }
}

function errorFields(error: unknown): { exceptionType?: string; stackTrace?: string } {
  if (error === null || typeof error !== 'object') return {}
  const e = error as { name?: unknown; stack?: unknown; constructor?: { name?: unknown } }
  const name = typeof e.name === 'string' ? e.name : typeof e.constructor?.name === 'string' ? e.constructor.name : undefined
  return {
    ...(name === undefined ? {} : { exceptionType: name.slice(0, 100) }),
    ...(typeof e.stack === 'string' ? { stackTrace: e.stack } : {}),
  }
}

/** A system event as a `system_logs` row: `error` unpacked, redacted, validated (throws ValidationError). */
export function toSystemLogRow(entry: SystemLogInput): NewSystemLogRow & { timestamp: Date } {
  let redacted: unknown = entry
  if (entry !== null && typeof entry === 'object') {
    const { error, ...rest } = entry
    const fromError = errorFields(error)
    const exceptionType = rest.exceptionType ?? fromError.exceptionType
    const stackTrace = rest.stackTrace ?? fromError.stackTrace
    redacted = {
      ...rest,
      message: text(rest.message),
      ...(exceptionType === undefined ? {} : { exceptionType: text(exceptionType) }),
      ...(stackTrace === undefined ? {} : { stackTrace: text(stackTrace) }),
      ...('context' in rest ? { context: object(rest.context) } : {}),
    }
  }
  const e = checkOne('system_logs', redacted, systemLogSchema)
  return {
    timestamp: e.timestamp ?? new Date(),
    logLevel: e.logLevel,
    module: e.module ?? null,
    message: e.message,
    exceptionType: e.exceptionType ?? null,
    stackTrace: e.stackTrace ?? null,
    context: (e.context as Record<string, unknown> | null | undefined) ?? null,
  }
}

const SYSTEM_COLUMNS = 7

/** Bound parameters per system log row, for statement sizing. */
export const SYSTEM_LOG_PARAMETERS = SYSTEM_COLUMNS

/** One multi-row INSERT of already validated rows (the batch writer's statement). @internal */
export async function insertSystemLogRows(runner: QueryRunner, rows: readonly (NewSystemLogRow & { timestamp: Date })[]): Promise<void> {
  if (rows.length === 0) return
  const params: unknown[] = []
  const tuples: string[] = []
  for (const r of rows) {
    const n = params.length
    tuples.push(`($${n + 1}::timestamptz, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}::jsonb)`)
    params.push(
      r.timestamp.toISOString(), r.logLevel, r.module ?? null, r.message, r.exceptionType ?? null, r.stackTrace ?? null,
      r.context === null || r.context === undefined ? null : JSON.stringify(r.context),
    )
  }
  await runner.query(
    `INSERT INTO system_logs ("timestamp", log_level, module, message, exception_type, stack_trace, context) VALUES ${tuples.join(', ')}`,
    params,
  )
}
