import { sql } from 'drizzle-orm'
import {
  boolean, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, varchar,
} from 'drizzle-orm/pg-core'

/**
 * KIS API call logs (spec 2.8). Corrected (docs/spec-corrections.md 1): a hypertable on `timestamp` so that the
 * 1-year retention policy is real, hence the primary key `(log_id, timestamp)`.
 */
export const apiLogs = pgTable(
  'api_logs',
  {
    logId: serial('log_id').notNull(),
    timestamp: timestamp('timestamp', { withTimezone: true }).notNull().defaultNow(),
    apiEndpoint: varchar('api_endpoint', { length: 200 }).notNull(),
    region: varchar('region', { length: 5 }),
    requestParams: jsonb('request_params').$type<Record<string, unknown>>(),
    responseStatus: integer('response_status'),
    responseTimeMs: integer('response_time_ms'),
    errorMessage: text('error_message'),
    success: boolean('success'),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'api_logs_pkey', columns: [t.logId, t.timestamp] }),
    index('idx_api_logs_timestamp').on(t.timestamp.desc().nullsFirst()),
    index('idx_api_logs_endpoint').on(t.apiEndpoint),
    index('idx_api_logs_success').on(t.success).where(sql`success = FALSE`),
    // 5.3: failed API calls only
    index('idx_api_logs_failures').on(t.timestamp.desc().nullsFirst(), t.apiEndpoint).where(sql`success = FALSE`),
  ],
)

/** A stored `api_logs` row (what `qdb.logs.api` returns). */
export type ApiLogRow = typeof apiLogs.$inferSelect
/** An `api_logs` row as drizzle inserts it (`qdb.db.insert(apiLogs)`). */
export type NewApiLogRow = typeof apiLogs.$inferInsert
