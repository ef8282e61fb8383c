import { and, desc, eq, gte, sql, type SQL } from 'drizzle-orm'
import type { QuantDatabase } from '../../drivers/types.js'
import { apiLogs, systemLogs } from '../../schema/index.js'

// The predicates are written exactly as the partial indexes' (`success = FALSE`,
// `log_level IN ('ERROR', 'CRITICAL')`), as literals, so that the planner can prove them even in a
// generic plan. Exported so the tests can EXPLAIN exactly these statements.

/** Failed API calls since `since`, newest first (idx_api_logs_failures). */
export function failuresQuery(db: QuantDatabase, q: { since: Date; apiEndpoint?: string | undefined; limit: number }) {
  const where: SQL[] = [sql`${apiLogs.success} = FALSE`, gte(apiLogs.timestamp, q.since)]
  if (q.apiEndpoint !== undefined) where.push(eq(apiLogs.apiEndpoint, q.apiEndpoint))
  return db.select().from(apiLogs).where(and(...where)).orderBy(desc(apiLogs.timestamp), desc(apiLogs.logId)).limit(q.limit)
}

/** ERROR and CRITICAL events since `since`, newest first (idx_system_logs_errors). */
export function errorsQuery(db: QuantDatabase, q: { since: Date; module?: string | undefined; limit: number }) {
  const where: SQL[] = [sql`${systemLogs.logLevel} IN ('ERROR', 'CRITICAL')`, gte(systemLogs.timestamp, q.since)]
  if (q.module !== undefined) where.push(eq(systemLogs.module, q.module))
  return db.select().from(systemLogs).where(and(...where)).orderBy(desc(systemLogs.timestamp), desc(systemLogs.logId)).limit(q.limit)
}
