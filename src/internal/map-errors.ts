import { toQuantDbError } from '../errors-map.js'

/**
 * Awaits a drizzle query and turns what it throws into a QuantDbError. The drivers map their own
 * errors, but drizzle wraps them first in an error whose message quotes the SQL and every bound
 * parameter (secrets included), so every drizzle call of a repository goes through here.
 *
 * @example `const [row] = await mapErrors(db.select().from(tickers).limit(1))`
 */
export async function mapErrors<T>(query: PromiseLike<T>): Promise<T> {
  try {
    return await query
  } catch (error) {
    throw toQuantDbError(error)
  }
}
