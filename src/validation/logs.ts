import { z } from 'zod'
import type { LogLevel } from '../schema/index.js'
import { jsonDocument } from './json.js'
import { int32, regionCode } from './rules.js'
import { freeText, name } from './text.js'

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const satisfies readonly LogLevel[]
export type { LogLevel }

/**
 * One broker API call for `qdb.logs.api`. Secrets in `params`, `error` and `endpoint` (app keys and
 * secrets, tokens, authorization headers, passwords) are redacted before anything is stored, and
 * account numbers masked; see `redactParams`.
 */
export interface ApiLogInput {
  /** The endpoint called, e.g. '/uapi/domestic-stock/v1/trading/order-cash' (1 to 200 characters). */
  endpoint: string
  region?: string | null | undefined
  /** Request headers, query and body as one JSON object, e.g. `{ headers: {...}, body: {...} }`. */
  params?: Record<string, unknown> | null | undefined
  /** HTTP status (integer >= 0). */
  status?: number | null | undefined
  /** Round-trip time in milliseconds (integer >= 0). */
  responseTimeMs?: number | null | undefined
  /** The error text of a failed call. */
  error?: string | null | undefined
  /** Default: no `error` and no HTTP status of 400 or above. */
  success?: boolean | undefined
  /** Default: now. */
  timestamp?: Date | undefined
}

/** One event for `qdb.logs.system` or a system log writer. `message`, `context` and `stackTrace` are redacted. */
export interface SystemLogInput {
  level: LogLevel
  message: string
  /** At most 100 characters, e.g. 'factor-engine'. */
  module?: string | null | undefined
  /** At most 100 characters; default: the name of `error`. */
  exceptionType?: string | null | undefined
  /** Default: the stack of `error`. */
  stackTrace?: string | null | undefined
  /** Any JSON-like object; values JSON cannot carry are turned into text. */
  context?: Record<string, unknown> | null | undefined
  /** A caught error: fills `exceptionType` and `stackTrace` when they are not given. */
  error?: unknown
  /** Default: the moment the entry was logged. */
  timestamp?: Date | undefined
}

const optionalName = (max: number) => name(max).nullable().optional()
const nonNegativeInt = int32.min(0, 'must not be negative').nullable().optional()
const when = z.date({ message: 'must be a valid Date' }).optional()
// Redaction has already made params and context plain JSON with storable text; checked again all the same.
const object = jsonDocument.nullable().optional()

/** The stored shape of an API call (after redaction): what the schema checks. */
export function apiLogSchema(regions: ReadonlySet<string>) {
  return z.object({
    endpoint: name(200, 1),
    region: regionCode(regions).nullable().optional(),
    params: object,
    status: nonNegativeInt,
    responseTimeMs: nonNegativeInt,
    error: freeText().nullable().optional(),
    success: z.boolean({ message: 'must be true or false' }).optional(),
    timestamp: when,
  }).strict()
}

export const systemLogSchema = z.object({
  level: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }),
  message: freeText().min(1, 'must not be empty'),
  module: optionalName(100),
  exceptionType: optionalName(100),
  stackTrace: freeText().nullable().optional(),
  context: object,
  error: z.unknown().optional(),
  timestamp: when,
}).strict()

const since = z.date({ message: 'must be a valid Date' }).optional()
const limit = z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000').optional()

/** Arguments of `qdb.logs.failures`. */
export interface ApiFailureQuery {
  /** Default: 24 hours ago. */
  since?: Date | undefined
  endpoint?: string | undefined
  /** Default 100. */
  limit?: number | undefined
}

export const apiFailureQuerySchema = z.object({ since, endpoint: name(200, 1).optional(), limit }).strict()

/** Arguments of `qdb.logs.errors`. */
export interface SystemErrorQuery {
  /** Default: 24 hours ago. */
  since?: Date | undefined
  module?: string | undefined
  /** Default 100. */
  limit?: number | undefined
}

export const systemErrorQuerySchema = z.object({ since, module: name(100, 1).optional(), limit }).strict()

/** Options of `qdb.logs.createSystemLogWriter`. */
export interface SystemLogWriterOptions {
  /** How often queued records are written (default 1000 ms). */
  flushIntervalMs?: number | undefined
  /** Records per INSERT (default 500); a full batch is written without waiting for the timer. */
  maxBatch?: number | undefined
  /** Records held at most (default 10,000); beyond it the oldest are dropped and counted. */
  maxQueue?: number | undefined
  /**
   * Called when records are lost: a batch the database refused (`lost` records), or an entry that
   * failed validation (`lost: 1`). Default: a warning through the library's logger.
   */
  onError?: ((error: unknown, info: { lost: number }) => void) | undefined
}

export const systemLogWriterOptionsSchema = z.object({
  flushIntervalMs: z.number().int('must be a whole number').min(1, 'must be at least 1').max(2_147_483_647).optional(),
  maxBatch: z.number().int('must be a whole number').min(1, 'must be at least 1').max(5_000, 'must be at most 5000').optional(),
  maxQueue: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  onError: z.custom<(error: unknown, info: { lost: number }) => void>((v) => typeof v === 'function', 'must be a function').optional(),
}).strict()
