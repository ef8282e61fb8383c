import type { Capabilities } from '../capabilities.js'
import type { QueryRunner } from '../drivers/types.js'
import type { ResolvedOptions } from '../options.js'

/**
 * What every repository is built from: a runner (the database or one transaction) and the settings.
 * @internal
 */
export interface RepoContext {
  readonly runner: QueryRunner
  readonly capabilities: Capabilities
  readonly options: ResolvedOptions
  /** Statement-size limits of the driver (bound parameters, rows per multi-row statement). */
  readonly limits: { readonly maxParameters: number; readonly maxRowsPerStatement: number }
}
