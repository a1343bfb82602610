/** PostgreSQL error codes worth naming. */
export const PgErrors = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database cannot be reached or is refusing work right now (connection lost or refused,
 * server shutting down or starting, connections not accepted, too many clients, or TypeORM's
 * query runner released because its connection died mid-transaction): a caller
 * should answer 503 and retry later, it is not a fault of the request.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error);
  const message = String((error as Error)?.message ?? '');
  if (code !== undefined && (code.startsWith('08') || code.startsWith('57P') || code === '53300')) return true;
  // 55000 (object not in prerequisite state) is also what a database refusing connections says.
  if (code === '55000') return /not currently accepting connections/.test(message);
  if (code !== undefined) return false;
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|not queryable|not currently accepting connections|query runner was already released/i.test(
    message,
  );
}

/** Errors that a retry of the same work may not hit again (lost connection, conflicts). */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = pgErrorCode(error);
  if (code === undefined) return /timeout/i.test(String((error as Error)?.message ?? ''));
  return code === PgErrors.serializationFailure || code === PgErrors.deadlockDetected;
}
