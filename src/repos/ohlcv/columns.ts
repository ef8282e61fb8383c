import { tableColumns } from '../../internal/table-columns.js'
import { ohlcvData } from '../../schema/index.js'
import { INDICATOR_FIELDS } from '../../validation/ohlcv.js'

// The column knowledge of the ohlcv readers and writers, from the drizzle table: a column added to
// src/schema/ohlcv-data.ts reaches the staging tables, merges and reads without a list to update
// (`barsToCsv`, written out for speed, is checked against these lists by test/unit/table-columns).

/** `ohlcv_data`'s columns, from its drizzle table (src/schema/ohlcv-data.ts). */
export const BAR = tableColumns(ohlcvData)
/** The column the writers set to now() on update (and leave to its default on insert). */
export const TOUCHED_COLUMN = BAR.ofField('lastUpdated').name
export const ADJUSTED_COLUMN = BAR.ofField('adjustedClose').name

/** The groups of columns a batch of bars writes, in table order (see `columnsOf` in csv.ts). */
export const KEY_COLUMNS: readonly string[] = BAR.keys
export const INDICATOR_COLUMNS: readonly string[] = BAR.namesOf(INDICATOR_FIELDS)
/** The columns every bar sets: all but the key, the optional groups and `last_updated`. */
export const PRICE_COLUMNS: readonly string[] = BAR.names.filter((c) =>
  !KEY_COLUMNS.includes(c) && c !== ADJUSTED_COLUMN && !INDICATOR_COLUMNS.includes(c) && c !== TOUCHED_COLUMN)
