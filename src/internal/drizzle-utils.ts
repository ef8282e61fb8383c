import * as drizzleOrm from 'drizzle-orm'
import type { SelectedFieldsOrdered } from 'drizzle-orm/pg-core'

type MapResultRow = (
  fields: SelectedFieldsOrdered,
  row: unknown[],
  joinsNotNullableMap: Record<string, boolean> | undefined,
) => unknown

// drizzle exports mapResultRow at run time but marks it @internal in its typings; the embedded
// session needs it to map rows exactly the way drizzle's own drivers do.
export const mapResultRow = (drizzleOrm as unknown as { mapResultRow: MapResultRow }).mapResultRow
