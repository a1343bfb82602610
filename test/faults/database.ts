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

/** The same server's maintenance database: where a test blocks or kills another database's connections. */
function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

const databaseName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/** Terminates every connection to the database (the apps' pools, LISTEN connections, locks). */
export async function terminateConnections(url: string): Promise<number> {
  const rows = await query<{ pid: number }>(
    maintenanceUrl(url),
    'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [databaseName(url)],
  );
  return rows.length;
}

/** While false, no new connection to the database is accepted (superusers included). */
export async function allowConnections(url: string, allow: boolean): Promise<void> {
  const name = databaseName(url).replace(/"/g, '""');
  await query(maintenanceUrl(url), `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
}
