export * from './rules.js'
export * from './validate.js'
export * from './json.js'
