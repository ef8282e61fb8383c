/**
 * An input schema built once per set of accepted regions, i.e. once per client (its resolved
 * options hold one set): building a zod object costs far more than parsing with it (~190 µs
 * against ~7 µs for a ticker), so no method rebuilds its schema per call.
 */
export function perRegions<T>(build: (regions: ReadonlySet<string>) => T): (regions: ReadonlySet<string>) => T {
  const cache = new WeakMap<ReadonlySet<string>, T>()
  return (regions) => {
    let schema = cache.get(regions)
    if (schema === undefined) cache.set(regions, schema = build(regions))
    return schema
  }
}
