// The planted mutations of `npm run mutate` (scripts/mutate.ts): realistic bugs in the modules where a
// silent mistake costs users money, data or secrets. Each is one exact search/replace in one file and
// names the test files expected to catch it. A `search` that no longer occurs is reported as stale,
// so the list fails loudly when the code it targets is rewritten.

export interface Mutant {
  id: string
  /** What a user would suffer. */
  why: string
  file: string
  search: string
  replace: string
  tests: string[]
}

const TRADES = ['test/integration/portfolio-trades.test.ts', 'test/integration/portfolio-rounding.test.ts']
const TEXT = ['test/unit/text-validation.test.ts', 'test/unit/ohlcv-validation.test.ts']
const REDACTION = ['test/unit/log-redaction.test.ts', 'test/unit/redaction-vocabulary.test.ts']
const INDICATORS = ['test/unit/indicators.test.ts']

export const MUTANTS: Mutant[] = [
  // Trade arithmetic (src/repos/portfolio)
  { id: 'trade-price-trunc', why: 'executed price truncated, not rounded', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'return `round($1::numeric * (10000', replace: 'return `trunc($1::numeric * (10000', tests: TRADES },
  { id: 'trade-total-trunc', why: 'total amount truncated to cents', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'totalAmount: sql`round(${k.qty} * ${k.px}, 2)`', replace: 'totalAmount: sql`trunc(${k.qty} * ${k.px}, 2)`', tests: TRADES },
  { id: 'trade-commission-trunc', why: 'commission truncated to 4 decimals', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'commission: sql`round(${decimal(t.commission ?? 0)}::numeric, 4)`', replace: 'commission: sql`trunc(${decimal(t.commission ?? 0)}::numeric, 4)`', tests: TRADES },
  { id: 'trade-bps-trunc', why: 'slippage bps truncated', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'bps: sql`round(${decimal(t.slippageBps ?? 0)}::numeric, 2)`', replace: 'bps: sql`trunc(${decimal(t.slippageBps ?? 0)}::numeric, 2)`', tests: TRADES },
  { id: 'trade-slippage-sign', why: 'slippage in the trader\'s favour', file: 'src/repos/portfolio/apply-trade.ts',
    search: "(10000 ${side === 'BUY' ? '+' : '-'}", replace: "(10000 ${side === 'BUY' ? '-' : '+'}", tests: TRADES },
  { id: 'trade-buy-no-commission', why: 'commission not capitalized into the average', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'const cost = sql`${k.qty} * ${k.px} + ${k.commission}`', replace: 'const cost = sql`${k.qty} * ${k.px}`', tests: TRADES },
  { id: 'trade-sell-commission-sign', why: 'sell commission added to the realized PnL', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'sql`${k.qty} * ${k.px} - ${k.commission} - ${basis}`', replace: 'sql`${k.qty} * ${k.px} + ${k.commission} - ${basis}`', tests: TRADES },
  { id: 'trade-oversell', why: 'one share more than held may be sold', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'if (t.quantity > heldQuantity)', replace: 'if (t.quantity > heldQuantity + 1)', tests: TRADES },
  { id: 'trade-hold-days', why: 'hold days off by one', file: 'src/repos/portfolio/apply-trade.ts',
    search: 'holdDays: sql`${t.tradeDate}::date - ${held.entry}::date`', replace: 'holdDays: sql`${t.tradeDate}::date - ${held.entry}::date + 1`', tests: TRADES },
  { id: 'decimal-roundDiv-truncates', why: 'average price and percentages truncated', file: 'src/repos/portfolio/decimal.ts',
    search: '${sql.raw(String(2 * 10 ** scale))} + abs(${B})', replace: '${sql.raw(String(2 * 10 ** scale))}', tests: TRADES },

  // Validation (src/validation)
  { id: 'text-names-allow-controls', why: 'tickers with line breaks stored, never readable again', file: 'src/validation/text.ts',
    search: 'const NAME_PROBLEM = /[\\p{Cc}\\uD800-\\uDFFF]/u', replace: 'const NAME_PROBLEM = /[\\u0000\\uD800-\\uDFFF]/u', tests: TEXT },
  { id: 'text-allow-lone-surrogates', why: 'two tickers collide on U+FFFD', file: 'src/validation/text.ts',
    search: 'const TEXT_PROBLEM = /[\\u0000\\uD800-\\uDFFF]/u', replace: 'const TEXT_PROBLEM = /[\\u0000]/u', tests: TEXT },
  { id: 'ohlcv-fast-path-text', why: 'the fast path lets bad tickers through', file: 'src/validation/ohlcv-check.ts',
    search: ' || s.trim() !== s || !isStorableName(s)) return false', replace: ' || s.trim() !== s) return false', tests: TEXT },
  // (Dropping `high >= low` alone would be an equivalent mutant: the other four comparisons imply it.)
  { id: 'ohlcv-fast-path-close-below-low', why: 'a close below the low accepted by the fast path', file: 'src/validation/ohlcv-check.ts',
    search: '&& low <= open && low <= close))', replace: '&& low <= open))', tests: ['test/unit/ohlcv-validation.test.ts'] },
  { id: 'ohlcv-fast-path-plain-ticker-controls', why: 'a ticker with a tab or line break inside stored', file: 'src/validation/ohlcv-check.ts',
    search: 'const PLAIN_TICKER = /^[!-~](?:[ -~]{0,18}[!-~])?$/', replace: 'const PLAIN_TICKER = /^[!-~](?:[\\s -~]{0,18}[!-~])?$/', tests: TEXT },
  { id: 'ohlcv-fast-path-keys-remember-unknown', why: 'a misspelt field silently dropped from the second bar on', file: 'src/validation/ohlcv-check.ts',
    search: 'if (key !== this.keys[i]) {', replace: 'if (key !== this.keys[i] && (this.keys[i] = key)) {', tests: ['test/unit/ohlcv-validation.test.ts'] },
  { id: 'json-lone-surrogate', why: 'jsonb refuses the call at the server, no row named', file: 'src/validation/json.ts',
    search: "if (typeof value === 'string') return isStorableText(value) ? undefined", replace: "if (typeof value === 'string') return true ? undefined", tests: TEXT.concat('test/unit/text-validation.test.ts') },
  // (The month and day comparisons back each other up: an overflowing day moves both, so only
  // dropping both is a real bug.)
  { id: 'date-overflow', why: '2024-02-30 accepted (as March 1)', file: 'src/validation/rules.ts',
    search: 'date.getUTCMonth() === mo - 1 && date.getUTCDate() === d', replace: 'true', tests: ['test/unit/ohlcv-validation.test.ts', 'test/unit/portfolio-validation.test.ts'] },
  { id: 'trade-fractional-shares', why: 'fractional quantities reach an INTEGER column', file: 'src/validation/portfolio.ts',
    search: "quantity: z.number().int('must be a whole number of shares')", replace: 'quantity: z.number()', tests: ['test/unit/portfolio-validation.test.ts'] },
  { id: 'factor-total-tolerance', why: 'layer totals off by a cent accepted', file: 'src/validation/factors.ts',
    search: 'else if (missing.length === 0 && totalCents !== partsCents)', replace: 'else if (missing.length === 0 && Math.abs(totalCents - partsCents) > 1)', tests: ['test/unit/factor-validation.test.ts'] },

  // Indicators (src/indicators)
  { id: 'ema-alpha', why: 'EMA smoothing 2/period', file: 'src/indicators/ema.ts',
    search: 'return smooth(values, period, 2 / (period + 1))', replace: 'return smooth(values, period, 2 / period)', tests: INDICATORS },
  { id: 'rma-alpha', why: 'Wilder smoothing as an EMA (RSI, ATR)', file: 'src/indicators/ema.ts',
    search: 'return smooth(values, period, 1 / period)', replace: 'return smooth(values, period, 2 / (period + 1))', tests: INDICATORS },
  { id: 'sma-window', why: 'SMA window one bar too long', file: 'src/indicators/sma.ts',
    search: 'if (i >= period) {', replace: 'if (i > period) {', tests: INDICATORS },
  { id: 'bollinger-sample-sd', why: 'Bollinger with the sample deviation', file: 'src/indicators/bollinger.ts',
    search: '(squares - (deviations * deviations) / period) / period)', replace: '(squares - (deviations * deviations) / period) / (period - 1))', tests: INDICATORS },

  // Ingest merge (src/repos/ohlcv)
  { id: 'ingest-rewrites-unchanged', why: 'identical re-sends rewritten (last_updated churn)', file: 'src/repos/ohlcv/ingest.ts',
    search: 'WHERE (${stored}) IS DISTINCT FROM (${proposed})', replace: 'WHERE true', tests: ['test/integration/ohlcv.test.ts'] },
  { id: 'ingest-counts', why: 'inserted and updated swapped', file: 'src/repos/ohlcv/ingest.ts',
    search: 'RETURNING (xmax = 0) AS inserted)', replace: 'RETURNING (xmax <> 0) AS inserted)', tests: ['test/integration/ohlcv.test.ts'] },

  // Redaction (src/repos/logs/redact.ts)
  { id: 'redact-credential', why: 'credentials logged', file: 'src/repos/logs/redact.ts', search: "'credential', ", replace: '', tests: REDACTION },
  { id: 'redact-pwd', why: 'ODBC PWD= logged', file: 'src/repos/logs/redact.ts', search: "'pwd', ", replace: '', tests: REDACTION },
  { id: 'redact-value-past-semicolon', why: 'a redacted value swallows the rest of a connection string', file: 'src/repos/logs/redact.ts',
    search: `const BARE_VALUE = /(?:(?:bearer|basic|token|digest)[ \\t]+)?[^\\s"'&,;})\\]]+/iy`, replace: `const BARE_VALUE = /(?:(?:bearer|basic|token|digest)[ \\t]+)?[^\\s"'&,})\\]]+/iy`, tests: REDACTION },
  { id: 'redact-url-password', why: 'passwords in connection URLs logged', file: 'src/repos/logs/redact.ts',
    search: ".replace(URL_PASSWORD, `$1${REDACTED}@`)", replace: '', tests: REDACTION },

  // Drivers' transactions (src/drivers)
  { id: 'embedded-savepoint-no-rollback', why: 'a refused step inside qdb.transaction keeps its writes', file: 'src/drivers/embedded/driver.ts',
    search: 'await runner.exec(`ROLLBACK TO SAVEPOINT ${name}`)', replace: '', tests: ['test/integration/portfolio-trades.test.ts', 'test/integration/transactions.test.ts'] },
  { id: 'embedded-drizzle-savepoint-no-rollback', why: 'qdb.db nested transactions keep inner writes', file: 'src/drivers/embedded/session.ts',
    search: 'await this.execute(sql.raw(`rollback to savepoint ${name}`))', replace: '', tests: ['test/integration/nested-transactions.test.ts'] },
  { id: 'server-no-savepoint', why: 'a nested qdb.transaction runs without a savepoint', file: 'src/drivers/postgres/driver.ts',
    search: 'return (await (this.sql as TransactionSql).savepoint(async (sp) =>\n          fn(new PostgresRunner(sp, await drizzleFor(sp, this.pool), true, this.pool)))) as T',
    replace: 'return await fn(this)', tests: ['test/integration/portfolio-trades.test.ts', 'test/integration/transactions.test.ts'] },

  // Schema and migrations
  { id: 'schema-drop-desc', why: 'index direction changed without a migration', file: 'src/schema/backtest-results.ts',
    search: "index('idx_backtest_sharpe').on(t.sharpeRatio.desc().nullsFirst())", replace: "index('idx_backtest_sharpe').on(t.sharpeRatio.nullsFirst())", tests: ['test/unit/schema-drift.test.ts'] },
  { id: 'schema-drop-index', why: 'an index removed without a migration', file: 'src/schema/ohlcv-data.ts',
    search: "index('idx_ohlcv_region_date').on(t.region, t.date.desc().nullsFirst()),", replace: '', tests: ['test/unit/schema-drift.test.ts'] },
  { id: 'migrate-reapplies-last', why: 'the last migration is applied again on every start', file: 'src/migrate.ts',
    search: 'if (migration.folderMillis <= lastApplied) continue', replace: 'if (migration.folderMillis < lastApplied) continue', tests: ['test/integration/migrate.test.ts'] },
]
