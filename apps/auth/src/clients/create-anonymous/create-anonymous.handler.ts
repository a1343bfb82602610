import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { fail, ok, type CreateAnonymousCommand, type CreateAnonymousResult, type Reply } from '@idstream/contracts';
import { traceparentOf } from '@idstream/messaging';
import { DATA_SOURCE } from '@idstream/persistence';
import { GroupCommit } from '../../concurrency/group-commit';
import { TokenIssuer } from '../../tokens/token-issuer';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { createClientStreams, type NewDevice } from '../client-stream';
import { KnownDevices } from '../known-devices';

/** Most first visits written in one transaction (each is a few hundred bytes of parameters). */
export const NEW_DEVICES_PER_COMMIT = 256;
const KNOWN_DEVICES_KEPT = 50_000;

/**
 * POST /v1/auth/anonymous: a device gets an anonymous token; its first visit records
 * AnonymousClientCreated. First visits go through a group commit: the ones that arrive while
 * a transaction is being written share the next one (one INSERT into `auth.clients`, one of
 * the events, one of the outbox rows, one NOTIFY), and each caller gets its token only once
 * that transaction committed. A device this process already saw recorded costs no database
 * round trip.
 */
@Injectable()
export class CreateAnonymousHandler {
  private readonly known = new KnownDevices(KNOWN_DEVICES_KEPT);
  readonly firstVisits: GroupCommit<NewDevice, boolean>;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceStore,
    private readonly tokens: TokenIssuer,
  ) {
    this.firstVisits = new GroupCommit<NewDevice, boolean>(
      (devices) => this.dataSource.transaction((manager) => createClientStreams(manager, devices)),
      { maxBatch: NEW_DEVICES_PER_COMMIT },
    );
  }

  async handle(cmd: CreateAnonymousCommand, now = new Date()): Promise<Reply<CreateAnonymousResult>> {
    const workspace = await this.workspaces.byClientApiKey(cmd.apiKey);
    if (!workspace) return fail('INVALID_API_KEY', 'Unknown client API key');
    const uuid = (cmd.uuid ?? randomUUID()).toLowerCase();
    if (!this.known.has(workspace.id, uuid)) {
      const traceparent = traceparentOf();
      await this.firstVisits.submit({
        workspaceId: workspace.id,
        uuid,
        correlationId: cmd.meta.requestId,
        now,
        ...(traceparent ? { traceparent } : {}),
      });
      this.known.add(workspace.id, uuid);
    }
    const token = await this.tokens.issue({
      workspaceId: workspace.id,
      subject: uuid,
      uuid,
      role: 'anonymous',
      sessionId: randomUUID(),
      ttlSeconds: workspace.settings.accessTokenTtlSeconds,
      algorithm: workspace.settings.tokenAlgorithm,
      now,
    });
    return ok({ ...token, uuid, workspaceId: workspace.id });
  }
}
