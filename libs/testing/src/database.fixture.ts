import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from '@idstream/persistence';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/idstream';

/** A fresh database for one test file; `drop()` removes it. */
export async function createTestDatabase(label = 't'): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(BASE_URL);
  url.pathname = `/idstream_${label.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(4).toString('hex')}`;
  const text = url.toString();
  await ensureDatabase(text);
  return { url: text, drop: () => dropDatabase(text) };
}
