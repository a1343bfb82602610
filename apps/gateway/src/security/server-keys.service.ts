import { Inject, Injectable } from '@nestjs/common';
import { AuthPatterns, type AuthenticateServerKeyResult } from '@idstream/contracts';
import { sha256Hex } from '@idstream/crypto';
import { ProblemError } from '../http/problem';
import { AuthClient } from '../rpc/rpc.clients';
import { looksLikeJwt } from './jwt-shape';

const POSITIVE_TTL_MS = 30_000;
/** Short, so a key created a moment ago works almost at once, yet a flood of wrong keys stays local. */
const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

type Entry = { expiresAt: number } & ({ ok: true; workspaceId: string } | { ok: false; error: ProblemError });

/**
 * Server keys (backend routes) are checked by auth, which holds their hashes; the answers are
 * cached by the key's SHA-256 (never the key itself) for 30 s, wrong keys for 5 s.
 */
@Injectable()
export class ServerKeys {
  private readonly cache = new Map<string, Entry>();

  constructor(@Inject(AuthClient) private readonly auth: AuthClient) {}

  /** The workspace of the key, or a ProblemError: 401 for a wrong key, 403 for a client token. */
  async authenticate(credential: string | null, now = Date.now()): Promise<string> {
    if (credential === null) throw new ProblemError('UNAUTHORIZED', 'Backend routes take Authorization: Bearer <server key>');
    if (looksLikeJwt(credential)) throw new ProblemError('FORBIDDEN', 'Backend routes take the server key, never a client token');
    const id = sha256Hex(credential);
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > now) {
      if (cached.ok) return cached.workspaceId;
      throw cached.error;
    }
    try {
      const { workspaceId } = await this.auth.call<AuthenticateServerKeyResult>(AuthPatterns.authenticateServerKey, {
        serverKey: credential,
      });
      this.remember(id, { ok: true, workspaceId, expiresAt: now + POSITIVE_TTL_MS }, now);
      return workspaceId;
    } catch (error) {
      if (error instanceof ProblemError && error.code !== 'SERVICE_UNAVAILABLE' && error.code !== 'INTERNAL') {
        // Whatever auth's reason (unknown key, workspace gone), the caller gets one answer.
        const refused = new ProblemError('UNAUTHORIZED', 'The server key is not valid');
        this.remember(id, { ok: false, error: refused, expiresAt: now + NEGATIVE_TTL_MS }, now);
        throw refused;
      }
      throw error;
    }
  }

  private remember(id: string, entry: Entry, now: number): void {
    if (this.cache.size >= MAX_ENTRIES) {
      for (const [key, value] of this.cache) if (value.expiresAt <= now) this.cache.delete(key);
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    }
    this.cache.set(id, entry);
  }
}
