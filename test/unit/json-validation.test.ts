import { describe, expect, it } from 'vitest'
import { jsonDocument, jsonProblem } from '../../src/validation/json.js'
import { freeText, name, nameString } from '../../src/validation/text.js'

// JSONB columns (metadata, calculationMetadata, strategyParams, log params and context) take plain JSON
// only: what JSON.stringify would silently alter, and what jsonb refuses, is named with its path.

describe('jsonProblem', () => {
  const circular: Record<string, unknown> = { a: 1 }
  circular['self'] = circular
  let deep: unknown = 'leaf'
  for (let i = 0; i < 70; i++) deep = { d: deep }
  let deepArray: unknown = 'leaf'
  for (let i = 0; i < 70; i++) deepArray = [deepArray]
  let just64: unknown = 'leaf'
  for (let i = 0; i < 63; i++) just64 = { d: just64 }

  it.each([
    ['NaN at the top', { x: Number.NaN }, 'holds a non-finite number at x'],
    ['Infinity in an array', { a: [1, Number.POSITIVE_INFINITY] }, 'holds a non-finite number at a[1]'],
    ['a function', { f: () => 1 }, 'holds a function at f, which JSON cannot carry'],
    ['a bigint', { n: { m: 10n } }, 'holds a bigint at n.m, which JSON cannot carry'],
    ['undefined inside an array (JSON.stringify makes it null)', { a: [undefined] }, 'holds a undefined at a[0], which JSON cannot carry'],
    ['a Date', { when: new Date(0) }, 'holds a Date object at when; give plain objects, arrays, strings, numbers, booleans and null'],
    ['a Map', { m: new Map() }, 'holds a Map object at m; give plain objects, arrays, strings, numbers, booleans and null'],
    ['a circular reference', circular, 'holds a circular reference at self'],
    ['nesting deeper than 64 levels', deep, `is nested deeper than 64 levels at ${Array(64).fill('d').join('.')}`],
    ['nesting of arrays deeper than 64 levels', { a: deepArray }, `is nested deeper than 64 levels at a${'[0]'.repeat(63)}`],
    ['a NUL in a string', { s: 'a\u0000' }, 'holds a NUL character at s (jsonb refuses it)'],
    ['a lone surrogate in a key', { ok: { 'k\uD800': 1 } }, 'has a key with a lone UTF-16 surrogate at ok (jsonb refuses it)'],
  ])('%s', (_label, value, message) => {
    expect(jsonProblem(value)).toBe(message)
    // (zod copies the top-level record first, so a cycle through it is found one step later: 'at self.self'.)
    expect(jsonDocument.safeParse(value).error?.issues[0]?.message.startsWith(`must be plain JSON: ${message}`)).toBe(true)
  })

  it('names no path for a problem at the top', () => {
    expect(jsonProblem('a\u0000')).toBe('holds a NUL character (jsonb refuses it)')
    expect(jsonProblem(Number.NaN)).toBe('holds a non-finite number')
  })

  it.each([
    ['null, booleans, numbers, strings, nested arrays and objects', { a: null, b: true, c: -1.5, d: 'x', e: [[1], { f: 'g' }] }],
    ['a key left undefined (JSON.stringify drops it, as if omitted)', { a: undefined, b: 1 }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['the same object twice (shared, not circular)', (() => { const s = { v: 1 }; return { a: s, b: [s, s] } })()],
    ['exactly 64 levels', just64],
  ])('accepts %s', (_label, value) => {
    expect(jsonProblem(value)).toBeUndefined()
  })
})

describe('text schemas: lengths first, then characters', () => {
  it.each([
    ['name(5, 1) empty', name(5, 1), '', 'must not be empty'],
    ['name(5) too long', name(5), 'abcdef', 'must be at most 5 characters'],
    ['name(5) control', name(5), 'a\tb', 'must not contain control characters'],
    ['freeText(10) too long', freeText(10), 'x'.repeat(11), 'must be at most 10 characters'],
    ['freeText() NUL', freeText(), 'a\u0000', 'must not contain a NUL character (PostgreSQL cannot store it)'],
    ['nameString line break', nameString, 'a\nb', 'must not contain control characters'],
    ['nameString lone surrogate', nameString, '\uDFFF', 'must not contain a lone UTF-16 surrogate (not valid UTF-8)'],
  ] as const)('%s', (_label, schema, value, message) => {
    expect(schema.safeParse(value).error?.issues.map((i) => i.message)).toEqual([message])
  })

  it('accepts what fits', () => {
    expect(name(5, 1).safeParse('abcde').success).toBe(true)
    expect(name(5).safeParse('').success).toBe(true)
    expect(freeText(10).safeParse('a\nb\tc').success).toBe(true)
    expect(freeText().safeParse('x'.repeat(100_000)).success).toBe(true)
  })
})
