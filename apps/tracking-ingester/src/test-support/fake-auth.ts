import 'reflect-metadata';
import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { AuthPatterns, ok, type Reply, type TokenAlgorithm, type WorkspaceTokenAlgorithmsResult } from '@idstream/contracts';

const FAKE_AUTH = Symbol('FAKE_AUTH');

interface FakeAuthState {
  workspaces: Map<string, TokenAlgorithm>;
  tokenAlgorithmLoads: number;
}

@Controller()
class FakeAuthController {
  constructor(@Inject(FAKE_AUTH) private readonly auth: FakeAuthState) {}

  /** No key here: the ingester's keys come from SigningKeyRotated events on identity.events. */
  @MessagePattern(AuthPatterns.jwks)
  jwks(): Reply<unknown> {
    return ok({ keys: [] });
  }

  @MessagePattern(AuthPatterns.listWorkspaceTokenAlgorithms)
  tokenAlgorithms(): Reply<WorkspaceTokenAlgorithmsResult> {
    this.auth.tokenAlgorithmLoads++;
    return ok({
      workspaces: [...this.auth.workspaces].map(([workspaceId, tokenAlgorithm]) => ({ workspaceId, tokenAlgorithm, previous: null })),
    });
  }
}

@Module({})
class FakeAuthModule {}

/**
 * What the ingester asks of auth over Nest TCP (its JWKS, every workspace's token algorithm),
 * served from this test process: a Nest microservice on the port the ingester is given.
 * Tests only.
 */
export class FakeAuth implements FakeAuthState {
  /** Workspace id → its tokenAlgorithm, as auth lists them. */
  readonly workspaces = new Map<string, TokenAlgorithm>();
  tokenAlgorithmLoads = 0;
  private app?: INestMicroservice;

  constructor(readonly port: number) {}

  get running(): boolean {
    return this.app !== undefined;
  }

  async start(): Promise<void> {
    const app = await NestFactory.createMicroservice(
      { module: FakeAuthModule, controllers: [FakeAuthController], providers: [{ provide: FAKE_AUTH, useValue: this }] },
      { transport: Transport.TCP, options: { host: '127.0.0.1', port: this.port }, logger: false },
    );
    await app.listen();
    this.app = app;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }
}
