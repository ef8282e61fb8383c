import {
  date, index, integer, jsonb, numeric, pgTable, primaryKey, serial, timestamp, varchar,
} from 'drizzle-orm/pg-core'

/** Backtesting simulation results (spec 2.4). A hypertable on `simulation_date` (3 months). */
export const backtestResults = pgTable(
  'backtest_results',
  {
    backtestId: serial('backtest_id').notNull(),
    strategyName: varchar('strategy_name', { length: 100 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    simulationDate: timestamp('simulation_date', { withTimezone: true }).notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }).notNull(),
    initialCapital: numeric('initial_capital', { precision: 18, scale: 2, mode: 'number' }),
    finalCapital: numeric('final_capital', { precision: 18, scale: 2, mode: 'number' }),
    totalReturn: numeric('total_return', { precision: 10, scale: 6, mode: 'number' }),
    annualReturn: numeric('annual_return', { precision: 10, scale: 6, mode: 'number' }),
    sharpeRatio: numeric('sharpe_ratio', { precision: 10, scale: 4, mode: 'number' }),
    sortinoRatio: numeric('sortino_ratio', { precision: 10, scale: 4, mode: 'number' }),
    maxDrawdown: numeric('max_drawdown', { precision: 10, scale: 6, mode: 'number' }),
    winRate: numeric('win_rate', { precision: 10, scale: 6, mode: 'number' }),
    totalTrades: integer('total_trades'),
    winningTrades: integer('winning_trades'),
    losingTrades: integer('losing_trades'),
    avgWin: numeric('avg_win', { precision: 18, scale: 4, mode: 'number' }),
    avgLoss: numeric('avg_loss', { precision: 18, scale: 4, mode: 'number' }),

    strategyParams: jsonb('strategy_params').$type<Record<string, unknown>>(),
    rebalanceFrequency: varchar('rebalance_frequency', { length: 20 }),
    transactionCostBps: numeric('transaction_cost_bps', { precision: 6, scale: 2, mode: 'number' }),

    trades: jsonb('trades').$type<unknown[]>(),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'backtest_results_pkey', columns: [t.backtestId, t.simulationDate] }),
    index('idx_backtest_strategy').on(t.strategyName, t.region, t.simulationDate.desc().nullsFirst()),
    index('idx_backtest_sharpe').on(t.sharpeRatio.desc().nullsFirst()),
    index('idx_backtest_params').using('gin', t.strategyParams),
  ],
)

/** A stored `backtest_results` row. */
export type BacktestResultRow = typeof backtestResults.$inferSelect
/** A `backtest_results` row as drizzle inserts it. */
export type NewBacktestResultRow = typeof backtestResults.$inferInsert
