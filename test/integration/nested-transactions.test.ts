import { like } from 'drizzle-orm'
import { expect, it } from 'vitest'
import type { QuantDatabase } from '../../src/index.js'
import { tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

// `qdb.db` is drizzle for everything the repositories do not cover, and drizzle nests transactions
// as savepoints: an inner `tx.transaction(...)` that throws must undo its own writes and nothing else,
// at any depth, from `qdb.db` and from `qdb.transaction`'s `tx.db`. Each test writes tickers with its
// own prefix and reads back which of them survived.

type Tx = Parameters<Parameters<QuantDatabase['transaction']>[0]>[0]

const add = (tx: Pick<QuantDatabase, 'insert'>, ticker: string) => tx.insert(tickers).values({ ticker, region: 'KR' })
const rejected = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof Error ? e.message : String(e)))

forEachTarget('nested drizzle transactions', (_target, db) => {
  const left = async (prefix: string) =>
    (await db().db.select({ t: tickers.ticker }).from(tickers).where(like(tickers.ticker, `${prefix}%`)).orderBy(tickers.ticker)).map((r) => r.t)

  it('an inner throw rolls back only the inner writes', async () => {
    await db().db.transaction(async (tx) => {
      await add(tx, 'N1_A')
      expect(await rejected(tx.transaction(async (inner) => {
        await add(inner, 'N1_B')
        throw new Error('inner refused')
      }))).toBe('inner refused')
      await add(tx, 'N1_C')
    })
    expect(await left('N1_')).toEqual(['N1_A', 'N1_C'])
  })

  it('an inner statement the database refuses rolls back only the inner writes, and the outer goes on', async () => {
    await db().db.transaction(async (tx) => {
      await add(tx, 'N2_A')
      const e = await rejected(tx.transaction(async (inner) => {
        await add(inner, 'N2_B')
        await add(inner, 'N2_A') // duplicate key: the statement fails inside the savepoint
      }))
      expect(e).not.toBe('resolved')
      await add(tx, 'N2_C') // the outer transaction is still usable
    })
    expect(await left('N2_')).toEqual(['N2_A', 'N2_C'])
  })

  it('siblings: a rolled-back savepoint does not touch the next one', async () => {
    await db().db.transaction(async (tx) => {
      for (const [i, fail] of [[1, true], [2, false], [3, true], [4, false]] as const) {
        await rejected(tx.transaction(async (inner) => {
          await add(inner, `N3_${i}`)
          if (fail) throw new Error('no')
        }))
      }
    })
    expect(await left('N3_')).toEqual(['N3_2', 'N3_4'])
  })

  it('three levels deep: each level undoes exactly its own writes and those of the levels inside it', async () => {
    await db().db.transaction(async (l1) => {
      await add(l1, 'N4_1')
      await l1.transaction(async (l2) => {
        await add(l2, 'N4_2')
        await rejected(l2.transaction(async (l3) => {
          await add(l3, 'N4_3x')
          throw new Error('level 3')
        }))
        await add(l2, 'N4_2b')
      })
      await rejected(l1.transaction(async (l2) => {
        await add(l2, 'N4_2y')
        await l2.transaction(async (l3) => add(l3, 'N4_3y')) // committed into level 2, then undone with it
        throw new Error('level 2')
      }))
      await l1.transaction(async (l2: Tx) => l2.transaction(async (l3) => l3.transaction(async (l4) => add(l4, 'N4_4'))))
    })
    expect(await left('N4_')).toEqual(['N4_1', 'N4_2', 'N4_2b', 'N4_4'])
  })

  it('an inner throw that is not caught rolls back the whole transaction', async () => {
    const e = await rejected(db().db.transaction(async (tx) => {
      await add(tx, 'N5_A')
      await tx.transaction(async (inner) => {
        await add(inner, 'N5_B')
        throw new Error('all of it')
      })
    }))
    expect(e).toBe('all of it')
    expect(await left('N5_')).toEqual([])
  })

  it('through qdb.transaction: tx.db.transaction is a savepoint inside it, beside the repositories', async () => {
    await db().transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'N6_A', region: 'KR' }])
      expect(await rejected(tx.db.transaction(async (inner) => {
        await add(inner, 'N6_B')
        await inner.transaction(async (deeper) => add(deeper, 'N6_C'))
        throw new Error('inner refused')
      }))).toBe('inner refused')
      await tx.db.transaction(async (inner) => {
        await add(inner, 'N6_D')
        await rejected(inner.transaction(async (deeper) => {
          await add(deeper, 'N6_E')
          throw new Error('deeper refused')
        }))
      })
      // The transaction sees its own surviving writes, through drizzle and through the repositories.
      expect((await tx.tickers.list({})).map((t) => t.ticker).filter((t) => t.startsWith('N6_'))).toEqual(['N6_A', 'N6_D'])
    })
    expect(await left('N6_')).toEqual(['N6_A', 'N6_D'])
  })

  it('through qdb.transaction: a throw after tx.db.transaction committed its savepoint rolls everything back', async () => {
    const e = await rejected(db().transaction(async (tx) => {
      await tx.db.transaction(async (inner) => add(inner, 'N7_A'))
      await tx.tickers.upsert([{ ticker: 'N7_B', region: 'KR' }])
      throw new Error('outer refused')
    }))
    expect(e).toBe('outer refused')
    expect(await left('N7_')).toEqual([])
  })
})
