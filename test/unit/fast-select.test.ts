import { getTableColumns, getViewSelectedFields, is, type Column } from 'drizzle-orm'
import { PgMaterializedView, PgTable } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import { rowDecoder } from '../../src/internal/fast-select.js'
import * as schema from '../../src/schema/index.js'

// rowDecoder inlines drizzle's numeric, bigint, date and timestamptz mappers (issue 9): every table's
// rows must decode exactly as drizzle's own column mappers decode them, whatever the drivers send
// (postgres.js: text; PGlite: numbers and objects for some types), nulls and odd values included.

/** Cells a driver may send for a column of this type (null and undefined are added for every column). */
const SAMPLES: Record<string, unknown[]> = {
  PgNumericNumber: ['96.50', '-12.3456', '0', '-0.00', 'NaN', 'Infinity', '123456789012345678.1234', 7.25, -0],
  PgBigInt53: ['2000', '9007199254740993', '-1', 42],
  PgTimestamp: ['2024-06-28 10:11:12.123456+09', '2024-06-28 01:00:00+05:30', 'infinity', '0044-03-15 12:00:00+00 BC',
    '1900-01-01 00:00:00+09:18:59', new Date(Date.UTC(2024, 5, 28))],
  PgDateString: ['2024-06-28', 'infinity', new Date(Date.UTC(2024, 5, 28))],
  PgJsonb: ['{"a":1}', 'not json', { a: [1, 2] }],
  PgVarchar: ['005930', ''],
  PgText: ['text'],
  PgBoolean: [true, false],
  PgInteger: ['12', 12],
  PgSerial: [1, '2'],
  PgDoublePrecision: ['1.5', 1.5],
  PgBigInt64: ['9007199254740993'],
  PgCustomColumn: [new Uint8Array([1, 2])],
}

type Source = [name: string, source: PgTable | PgMaterializedView, fields: Record<string, unknown>]
const sources = Object.entries(schema as Record<string, unknown>).flatMap(([name, value]): Source[] => {
  if (is(value, PgMaterializedView)) return [[name, value, getViewSelectedFields(value)]]
  if (is(value, PgTable)) return [[name, value, getTableColumns(value)]]
  return []
})

describe('rowDecoder: the same values as drizzle column mappers', () => {
  it('covers every table and view of the schema', () => {
    expect(sources.length).toBeGreaterThanOrEqual(12)
  })

  for (const [name, source, fields] of sources) {
    it(`${name}: every sample of every column`, () => {
      const columns = Object.entries(fields) as [string, Column][]
      const decode = rowDecoder<Record<string, unknown>>(source)
      const samples = columns.map(([, c]) => [...SAMPLES[c.columnType] ?? [], null, undefined])
      const longest = Math.max(...samples.map((s) => s.length))
      for (let k = 0; k < longest; k++) {
        // Row k takes each column's k-th sample (cycling), so every sample is decoded at least once.
        const row = samples.map((s) => s[k % s.length])
        const want = Object.fromEntries(columns.map(([key, c], i) => {
          const v = row[i]
          return [key, v === null || v === undefined ? null : c.mapFromDriverValue(v)]
        }))
        const got = decode(row)
        expect(Object.keys(got)).toEqual(Object.keys(want))
        for (const key of Object.keys(want)) {
          const [g, w] = [got[key], want[key]]
          if (w instanceof Date) expect(g instanceof Date && Object.is(g.getTime(), w.getTime()), `${name}.${key}`).toBe(true)
          else expect(g, `${name}.${key} of ${String(row[columns.findIndex(([c]) => c === key)])}`).toStrictEqual(w)
        }
      }
    })
  }
})
