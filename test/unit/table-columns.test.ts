import { bigint, date, jsonb, numeric, pgTable, primaryKey, timestamp, varchar } from 'drizzle-orm/pg-core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { mergeSql, stagedSource, unnestSource } from '../../src/internal/merge-sql.js'
import { tableColumns } from '../../src/internal/table-columns.js'
import { barsToCsv, columnsOf, type BarShape } from '../../src/repos/ohlcv/csv.js'
import { BAR, INDICATOR_COLUMNS, KEY_COLUMNS, PRICE_COLUMNS } from '../../src/repos/ohlcv/columns.js'
import { PANEL_COLUMNS, type PanelField } from '../../src/repos/ohlcv/panel.js'
import type { OhlcvBarInput } from '../../src/validation/ohlcv.js'

// The hand-written SQL of the hot paths takes its columns from the drizzle tables (table-columns.ts):
// these tests prove that a change to a table reaches the derived lists, types and statements.

const widgetsV1 = pgTable('widgets', {
  code: varchar('code', { length: 8 }).notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  kind: varchar('kind', { length: 3 }).notNull().default('std'),
  price: numeric('price', { precision: 10, scale: 2, mode: 'number' }),
  units: bigint('units', { mode: 'number' }),
  meta: jsonb('meta'),
  touchedAt: timestamp('touched_at', { withTimezone: true }).defaultNow(),
}, (t) => [primaryKey({ columns: [t.code, t.day] })])

// The same table after a migration: `price` renamed to `unit_price` and retyped, `weight` added.
const widgetsV2 = pgTable('widgets', {
  code: varchar('code', { length: 8 }).notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  kind: varchar('kind', { length: 3 }).notNull().default('std'),
  unitPrice: numeric('unit_price', { precision: 18, scale: 4, mode: 'number' }),
  units: bigint('units', { mode: 'number' }),
  weight: numeric('weight', { precision: 6, scale: 3, mode: 'number' }),
  meta: jsonb('meta'),
  touchedAt: timestamp('touched_at', { withTimezone: true }).defaultNow(),
}, (t) => [primaryKey({ columns: [t.code, t.day] })])

describe('tableColumns: derived from the drizzle table', () => {
  const v1 = tableColumns(widgetsV1)

  it('lists names, SQL types, parameter types, kinds, keys and constant defaults in table order', () => {
    expect(v1.table).toBe('widgets')
    expect(v1.names).toEqual(['code', 'day', 'kind', 'price', 'units', 'meta', 'touched_at'])
    expect(v1.keys).toEqual(['code', 'day'])
    expect(v1.all.map((c) => [c.field, c.sqlType, c.paramType, c.kind])).toEqual([
      ['code', 'varchar(8)', 'text', 'text'],
      ['day', 'date', 'date', 'date'],
      ['kind', 'varchar(3)', 'text', 'text'],
      ['price', 'numeric(10, 2)', 'numeric', 'number'],
      ['units', 'bigint', 'bigint', 'number'],
      ['meta', 'jsonb', 'jsonb', 'json'],
      ['touchedAt', 'timestamp with time zone', 'timestamp with time zone', 'timestamp'],
    ])
    expect(v1.column('kind').constantDefault).toBe('std')
    // defaultNow() is SQL, not a constant a writer could send.
    expect(v1.column('touched_at').constantDefault).toBeUndefined()
    expect(v1.ddl(['code', 'price'])).toBe('"code" varchar(8), "price" numeric(10, 2)')
    expect(() => v1.column('nope')).toThrow(/widgets has no column nope/)
  })

  it('follows a renamed, retyped and added column into the lists, the DDL and the merge', () => {
    const v2 = tableColumns(widgetsV2)
    expect(v2.names).toEqual(['code', 'day', 'kind', 'unit_price', 'units', 'weight', 'meta', 'touched_at'])
    expect(v2.ddl(v2.names.slice(3, 6))).toBe('"unit_price" numeric(18, 4), "units" bigint, "weight" numeric(6, 3)')
    const columns = v2.names.filter((n) => n !== 'touched_at')
    const merge = mergeSql({ table: v2, columns, source: stagedSource(v2, 'stage', columns), touch: 'touched_at' })
    expect(merge).toContain('INSERT INTO widgets AS o ("code", "day", "kind", "unit_price", "units", "weight", "meta")')
    expect(merge).toContain('ON CONFLICT ("code", "day") DO UPDATE SET "kind" = excluded."kind", "unit_price" = excluded."unit_price"')
    expect(merge).toContain('"weight" = excluded."weight", "meta" = excluded."meta", "touched_at" = now()')
    expect(merge).toContain('WHERE (o."kind", o."unit_price", o."units", o."weight", o."meta") IS DISTINCT FROM (excluded."kind", excluded."unit_price", excluded."units", excluded."weight", excluded."meta")')
    expect(merge).toContain('FROM stage ORDER BY "code", "day"')
    expect(merge).not.toContain('"price"')
  })

  it('builds the unnest source with one array parameter per column, of its parameter type', () => {
    expect(unnestSource(v1, ['code', 'day', 'price', 'meta'], true)).toBe(
      'SELECT * FROM unnest($1::text[], $2::date[], $3::numeric[], $4::jsonb[]) AS s("code", "day", "price", "meta") ORDER BY "code", "day"')
    expect(unnestSource(v1, ['code', 'day'], false)).not.toContain('ORDER BY')
  })

  it('updates only the columns asked, without a touch column when none is given', () => {
    const merge = mergeSql({ table: v1, columns: ['code', 'day', 'price', 'units'], source: 'VALUES ($1, $2, $3, $4)', update: ['price'] })
    expect(merge).toContain('DO UPDATE SET "price" = excluded."price"\n')
    expect(merge).toContain('WHERE (o."price") IS DISTINCT FROM (excluded."price")')
  })

  it('decodes result arrays into drizzle fields with the columns\' own decoders', () => {
    const decode = v1.decoder()
    const row = decode(['A1', new Date('2024-03-05T00:00:00Z'), 'std', '12.50', '7', { a: 1 }, '2024-03-05 10:00:00+00'])
    expect(row).toEqual({
      code: 'A1', day: '2024-03-05', kind: 'std', price: 12.5, units: 7, meta: { a: 1 },
      touchedAt: new Date('2024-03-05T10:00:00Z'),
    })
    expect(decode(['A1', '2024-03-05', 'std', null, null, null, null])).toMatchObject({ day: '2024-03-05', price: null, units: null, touchedAt: null })
    // A subset, in the order selected.
    expect(v1.decoder(['price', 'code'])(['1.25', 'B'])).toEqual({ price: 1.25, code: 'B' })
  })
})

describe('ohlcv_data: the lists the readers and writers use', () => {
  it('groups every column but last_updated into key, prices, adjusted close and indicators', () => {
    expect(KEY_COLUMNS).toEqual(['ticker', 'region', 'date', 'timeframe'])
    expect(PRICE_COLUMNS).toEqual(['open', 'high', 'low', 'close', 'volume'])
    expect(INDICATOR_COLUMNS).toEqual(['ma5', 'ma20', 'ma60', 'ma120', 'ma200', 'rsi', 'macd', 'macd_signal', 'bb_upper', 'bb_middle', 'bb_lower', 'atr'])
    expect(columnsOf({ adjusted: true, indicators: true })).toEqual(BAR.names.filter((n) => n !== 'last_updated'))
  })

  it('stages every written column with its ohlcv_data type (varchar(20), numeric(8, 4) for rsi, ...)', () => {
    expect(BAR.ddl(columnsOf({ adjusted: true, indicators: false }))).toBe(
      '"ticker" varchar(20), "region" varchar(5), "date" date, "timeframe" varchar(10), "open" numeric(18, 4), ' +
      '"high" numeric(18, 4), "low" numeric(18, 4), "close" numeric(18, 4), "volume" bigint, "adjusted_close" numeric(18, 4)')
    expect(BAR.column('rsi').sqlType).toBe('numeric(8, 4)')
  })

  it('barsToCsv, written out for speed, writes exactly the columns of columnsOf, in that order', () => {
    // Every field a distinct value, so that a swapped or missing column shows.
    const bar: Required<OhlcvBarInput> = {
      ticker: 'T,1', region: 'KR', date: '2024-01-02', timeframe: 'weekly', open: 10.5, high: 12.25, low: 9.75, close: 11,
      volume: 123456, adjustedClose: 10.9, ma5: 1.1, ma20: 1.2, ma60: 1.3, ma120: 1.4, ma200: 1.5, rsi: 55.5,
      macd: 0.25, macdSignal: 0.5, bbUpper: 13, bbMiddle: 11.5, bbLower: 10, atr: 0.75,
    }
    const shapes: BarShape[] = [
      { adjusted: false, indicators: false }, { adjusted: true, indicators: false },
      { adjusted: false, indicators: true }, { adjusted: true, indicators: true },
    ]
    for (const shape of shapes) {
      const line = barsToCsv([bar], shape).trimEnd()
      // The ticker holds a comma, so the CSV quotes it: the other cells split plainly.
      expect(line.startsWith('"T,1",')).toBe(true)
      const fields = [bar.ticker, ...line.slice('"T,1",'.length).split(',')]
      const names = columnsOf(shape)
      expect(fields, JSON.stringify(shape)).toHaveLength(names.length)
      const record = bar as unknown as Record<string, unknown>
      expect(fields).toEqual(names.map((n) => String(record[BAR.column(n).field])))
    }
  })

  it('offers every numeric column to the panel, and PanelField is their union', () => {
    expect(PANEL_COLUMNS).toEqual(Object.fromEntries(BAR.all.filter((c) => c.sqlType.startsWith('numeric') || c.sqlType === 'bigint').map((c) => [c.field, c.name])))
    expectTypeOf<PanelField>().toEqualTypeOf<'open' | 'high' | 'low' | 'close' | 'volume' | 'adjustedClose' | 'ma5' | 'ma20'
      | 'ma60' | 'ma120' | 'ma200' | 'rsi' | 'macd' | 'macdSignal' | 'bbUpper' | 'bbMiddle' | 'bbLower' | 'atr'>()
  })
})
