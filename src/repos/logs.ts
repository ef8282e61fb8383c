import type { RepoContext } from './context.js'

/** `qdb.logs`: API and system logs. */
export class LogRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
