import { sql } from 'drizzle-orm'
import { index, jsonb, pgTable, primaryKey, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core'

/** The levels of `system_logs.log_level`. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL'

/** System event logs (spec 2.9); a hypertable on `timestamp` like `api_logs` (docs/spec-corrections.md 1). */
export const systemLogs = pgTable(
  'system_logs',
  {
    logId: serial('log_id').notNull(),
    timestamp: timestamp('timestamp', { withTimezone: true }).notNull().defaultNow(),
    logLevel: varchar('log_level', { length: 20 }).notNull().$type<LogLevel>(),
    module: varchar('module', { length: 100 }),
    message: text('message').notNull(),
    exceptionType: varchar('exception_type', { length: 100 }),
    stackTrace: text('stack_trace'),
    context: jsonb('context').$type<Record<string, unknown>>(),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'system_logs_pkey', columns: [t.logId, t.timestamp] }),
    index('idx_system_logs_timestamp').on(t.timestamp.desc().nullsFirst()),
    index('idx_system_logs_level').on(t.logLevel).where(sql`log_level IN ('ERROR', 'CRITICAL')`),
    index('idx_system_logs_module').on(t.module),
    // 5.3: ERROR/CRITICAL logs only
    index('idx_system_logs_errors').on(t.timestamp.desc().nullsFirst(), t.module).where(sql`log_level IN ('ERROR', 'CRITICAL')`),
  ],
)

/** A stored `system_logs` row. */
export type SystemLogRow = typeof systemLogs.$inferSelect
/** A `system_logs` row as drizzle inserts it. */
export type NewSystemLogRow = typeof systemLogs.$inferInsert
