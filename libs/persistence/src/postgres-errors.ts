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

/** Errors that a retry of the same work may not hit again (lost connection, conflicts). */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code === undefined) {
    const message = String((error as Error)?.message ?? '');
    return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout/i.test(message);
  }
  return code.startsWith('08') || code === PgErrors.serializationFailure || code === PgErrors.deadlockDetected || code.startsWith('57P');
}
