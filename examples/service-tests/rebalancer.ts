/**
 * A piece of a consuming service: sells every position whose price has fallen through its stop-loss.
 * It talks to the database only through `@quant/db`, so its tests can hand it a throw-away database.
 */
import type { MarkPrice, QuantDb, TradeResult } from '@quant/db'

export async function sellStopLosses(qdb: Pick<QuantDb, 'portfolio' | 'transaction'>, prices: readonly MarkPrice[], tradeDate: string): Promise<TradeResult[]> {
  const exits = (await qdb.portfolio.triggeredExits(prices)).filter((e) => e.reason === 'stop_loss')
  // All exits or none: one transaction.
  return qdb.transaction(async (tx) => {
    const results: TradeResult[] = []
    for (const exit of exits) {
      const position = await tx.portfolio.getPosition({ ticker: exit.ticker, region: exit.region })
      results.push(await tx.portfolio.applyTrade({ ticker: exit.ticker, region: exit.region, tradeDate, tradeType: 'SELL',
        quantity: position.quantity, price: exit.price, strategyName: 'stop-loss' }))
    }
    return results
  })
}
