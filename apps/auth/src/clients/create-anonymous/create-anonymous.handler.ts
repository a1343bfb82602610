import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { fail, ok, type CreateAnonymousCommand, type CreateAnonymousResult, type Reply } from '@idstream/contracts';
import { ClientLinks } from '../../indexes/client-links';
import { TokenIssuer } from '../../tokens/token-issuer';
import { WorkspaceStore } from '../../workspace/workspace.store';
import { appendToClientStream } from '../client-stream';
import { DATA_SOURCE } from '@idstream/persistence';

/** POST /v1/auth/anonymous: a device gets an anonymous token; its first visit records AnonymousClientCreated. */
@Injectable()
export class CreateAnonymousHandler {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceStore,
    private readonly tokens: TokenIssuer,
  ) {}

  async handle(cmd: CreateAnonymousCommand, now = new Date()): Promise<Reply<CreateAnonymousResult>> {
    const workspace = await this.workspaces.byClientApiKey(cmd.apiKey);
    if (!workspace) return fail('INVALID_API_KEY', 'Unknown client API key');
    const uuid = (cmd.uuid ?? randomUUID()).toLowerCase();
    await this.dataSource.transaction(async (manager) => {
      if (!(await ClientLinks.add(manager, workspace.id, uuid))) return;
      await appendToClientStream(
        manager,
        uuid,
        { type: 'AnonymousClientCreated', data: { uuid } },
        {
          workspaceId: workspace.id,
          correlationId: cmd.meta.requestId,
          now,
        },
      );
    });
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
