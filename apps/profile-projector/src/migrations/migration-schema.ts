import type { QueryRunner } from 'typeorm';

/**
 * The schema a projector migration runs in: the data source's own (`profiles` for the live
 * read model, `profiles_rebuild` while `npm run projector:rebuild` builds a shadow one), so
 * the same migrations create either.
 */
export function migrationSchema(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema || !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`projector migrations need a plain schema name, got ${String(schema)}`);
  return schema;
}
