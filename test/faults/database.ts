import { Client } from 'pg';

/** One query on its own connection (the test's, never one of the apps' pools). */
export async function query<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The customer profiles the projector's read model holds, with how many rows each has. */
export async function projectedCustomers(url: string): Promise<Map<string, number>> {
  const rows = await query<{ profile_id: string; n: string }>(
    url,
    "SELECT profile_id, count(*) AS n FROM profiles.profiles WHERE kind = 'customer' GROUP BY profile_id",
  );
  return new Map(rows.map((r) => [r.profile_id, Number(r.n)]));
}
