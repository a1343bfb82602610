import { Controller, Get, Inject, Module, Res, type DynamicModule } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

/** A named readiness probe: resolves true when the dependency answers. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

interface ReplyLike {
  status(code: number): ReplyLike;
  send(body: unknown): void;
}

const READY_SCHEMA = {
  type: 'object' as const,
  properties: {
    status: { type: 'string' as const, enum: ['ok', 'unavailable'] },
    checks: { type: 'object' as const, additionalProperties: { type: 'string' as const, enum: ['up', 'down'] }, example: { kafka: 'up' } },
  },
  required: ['status', 'checks'],
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  @ApiOperation({ operationId: 'live', summary: 'Liveness: the process is up' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Every dependency answers: 200, else 503 naming the ones that do not. */
  @Get('ready')
  @ApiOperation({ operationId: 'ready', summary: 'Readiness: every dependency answers' })
  @ApiOkResponse({ description: 'Ready', schema: READY_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the checks that are down', schema: READY_SCHEMA })
  async ready(@Res() reply: ReplyLike): Promise<void> {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, await withTimeout(c.check(), 2500).catch(() => false)] as const),
    );
    const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
    reply.status(failing.length === 0 ? 200 : 503).send({
      status: failing.length === 0 ? 'ok' : 'unavailable',
      checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? 'up' : 'down'])),
    });
  }
}

function withTimeout(promise: Promise<boolean>, ms: number): Promise<boolean> {
  return Promise.race([promise, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
}

/** `/health/live` and `/health/ready`; the app provides READINESS_CHECKS. */
@Module({})
export class HealthModule {
  static withChecks(provider: { useFactory: (...deps: never[]) => ReadinessCheck[]; inject: unknown[] }): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, useFactory: provider.useFactory, inject: provider.inject as never[] }],
    };
  }
}
