import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import {
  checkMarkPrices, performanceOptionsSchema, priceKey, riskLimitsSchema, snapshotInputSchema, tradeInputSchema,
} from '../../src/validation/portfolio.js'
import { checkOne } from '../../src/validation/validate.js'

const REGIONS = new Set(['KR', 'US', 'CN', 'HK', 'JP', 'VN'])
const good = { ticker: '005930', region: 'KR', tradeDate: '2024-03-04', tradeType: 'BUY', quantity: 10, price: 72_000 }

/** The field of the first issue when `input` is rejected, or undefined when accepted. */
function rejectedField(schema: Parameters<typeof checkOne>[2], input: unknown): string | undefined {
  try {
    checkOne('t', input, schema)
    return undefined
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return (e as ValidationError).issues[0]?.field
  }
}

describe('trade input', () => {
  const schema = tradeInputSchema(REGIONS)

  it('accepts a minimal trade and one with every optional field', () => {
    expect(rejectedField(schema, good)).toBeUndefined()
    expect(rejectedField(schema, {
      ...good, tradeType: 'SELL', commission: 0, slippageBps: 9999.99, strategyName: 'S'.repeat(100),
      signalSource: 'x'.repeat(50), entryReason: 'why', orderId: 'o'.repeat(50),
      executionTimestamp: new Date('2024-03-04T00:00:00Z'), notes: null,
    })).toBeUndefined()
  })

  it.each([
    [{ ticker: '' }, 'ticker'],
    [{ ticker: 'T'.repeat(21) }, 'ticker'],
    [{ ticker: ' 005930' }, 'ticker'],
    [{ region: 'XX' }, 'region'],
    [{ tradeDate: '2024-02-30' }, 'tradeDate'],
    [{ tradeDate: '2024-03-04T09:00:00' }, 'tradeDate'],
    [{ tradeType: 'HOLD' }, 'tradeType'],
    [{ tradeType: 'buy' }, 'tradeType'],
    [{ quantity: 0 }, 'quantity'],
    [{ quantity: -5 }, 'quantity'],
    [{ quantity: 1.5 }, 'quantity'],
    [{ quantity: 2 ** 31 }, 'quantity'],
    [{ price: 0 }, 'price'],
    [{ price: -1 }, 'price'],
    [{ price: 0.00001 }, 'price'],
    [{ price: Number.NaN }, 'price'],
    [{ price: Number.POSITIVE_INFINITY }, 'price'],
    [{ price: 1e14 }, 'price'],
    [{ commission: -0.01 }, 'commission'],
    [{ commission: 1e14 }, 'commission'],
    [{ slippageBps: -1 }, 'slippageBps'],
    [{ slippageBps: 10_000 }, 'slippageBps'],
    [{ strategyName: 'S'.repeat(101) }, 'strategyName'],
    [{ signalSource: 'x'.repeat(51) }, 'signalSource'],
    [{ orderId: 'o'.repeat(51) }, 'orderId'],
    [{ executionTimestamp: new Date(Number.NaN) }, 'executionTimestamp'],
    [{ executionTimestamp: '2024-03-04' }, 'executionTimestamp'],
    [{ quantity: 2_000_000_000, price: 10_000_000 }, 'quantity'],
    [{ quantity: 1, price: 99_999_999_999_999, slippageBps: 100 }, 'price'],
    [{ quantity: 1, price: 1, commission: 99_999_999_999_999 }, 'price'],
    [{ colour: 'red' }, '(row)'],
  ])('rejects %o on %s', (change, field) => {
    expect(rejectedField(schema, { ...good, ...change })).toBe(field)
  })

  it('rejects a missing required field', () => {
    for (const field of ['ticker', 'region', 'tradeDate', 'tradeType', 'quantity', 'price']) {
      const { [field as keyof typeof good]: _, ...rest } = good
      expect(rejectedField(schema, rest), field).toBe(field)
    }
  })
})

describe('mark prices', () => {
  it('takes a list or a Map keyed TICKER:REGION', () => {
    expect(checkMarkPrices('portfolio', [{ ticker: 'AAPL', region: 'US', price: 189.5 }], REGIONS))
      .toEqual([{ ticker: 'AAPL', region: 'US', price: 189.5 }])
    expect(checkMarkPrices('portfolio', new Map([[priceKey('BRK:B', 'US'), 400]]), REGIONS))
      .toEqual([{ ticker: 'BRK:B', region: 'US', price: 400 }])
  })

  it.each([
    [[{ ticker: 'A', region: 'US', price: 0 }], 0, 'price'],
    [[{ ticker: 'A', region: 'US', price: Number.NaN }], 0, 'price'],
    [[{ ticker: 'A', region: 'ZZ', price: 1 }], 0, 'region'],
    [[{ ticker: '', region: 'US', price: 1 }], 0, 'ticker'],
    [[{ ticker: 'A', region: 'US', price: 1 }, { ticker: 'A', region: 'US', price: 2 }], 1, 'ticker'],
    [new Map([['NOREGION', 1]]), 0, 'region'],
  ])('rejects %o at row %i, field %s', (prices, row, field) => {
    const e = (() => {
      try { checkMarkPrices('portfolio', prices as never, REGIONS) } catch (x) { return x }
      return undefined
    })()
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as ValidationError).issues[0]).toMatchObject({ row, field })
  })
})

describe('risk limits, snapshot and performance arguments', () => {
  const limits = riskLimitsSchema(REGIONS)
  const key = { ticker: 'A', region: 'US' }

  it('accepts numbers, nulls and omissions', () => {
    expect(rejectedField(limits, { ...key, stopLossPrice: 90, takeProfitPrice: 120, trailingStopDistance: 0.1 })).toBeUndefined()
    expect(rejectedField(limits, { ...key, stopLossPrice: null, trailingStopDistance: null })).toBeUndefined()
    expect(rejectedField(limits, key)).toBeUndefined()
  })

  it.each([
    [{ stopLossPrice: 0 }, 'stopLossPrice'],
    [{ takeProfitPrice: -3 }, 'takeProfitPrice'],
    [{ stopLossPrice: 120, takeProfitPrice: 100 }, 'takeProfitPrice'],
    [{ stopLossPrice: 100, takeProfitPrice: 100 }, 'takeProfitPrice'],
    [{ trailingStopDistance: 0 }, 'trailingStopDistance'],
    [{ trailingStopDistance: 1 }, 'trailingStopDistance'],
    [{ trailingStopDistance: 10 }, 'trailingStopDistance'],
    [{ region: 'XX' }, 'region'],
    [{ stopPrice: 1 }, '(row)'],
  ])('rejects limits %o on %s', (change, field) => {
    expect(rejectedField(limits, { ...key, ...change })).toBe(field)
  })

  it.each([
    [{ snapshotDate: '2024-13-01', cash: 1 }, 'snapshotDate'],
    [{ snapshotDate: '2024-01-01', cash: Number.NaN }, 'cash'],
    [{ snapshotDate: '2024-01-01', cash: 1e16 }, 'cash'],
    [{ snapshotDate: '2024-01-01' }, 'cash'],
  ])('rejects snapshot %o on %s', (input, field) => {
    expect(rejectedField(snapshotInputSchema, input)).toBe(field)
  })

  it('accepts a negative cash balance (margin)', () => {
    expect(rejectedField(snapshotInputSchema, { snapshotDate: '2024-01-01', cash: -500.25 })).toBeUndefined()
  })

  it.each([
    [{ from: '2024-1-1' }, 'from'],
    [{ to: 'yesterday' }, 'to'],
    [{ from: '2024-02-01', to: '2024-01-01' }, 'to'],
    [{ refresh: 'yes' }, 'refresh'],
  ])('rejects performance options %o on %s', (input, field) => {
    expect(rejectedField(performanceOptionsSchema, input)).toBe(field)
  })
})
