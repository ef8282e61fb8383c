import type { RepoContext } from './context.js'

/** `qdb.factors`: factor scores and signals. */
export class FactorRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
