import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { Kafka } from 'kafkajs';
import { HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { AccountController } from './account/account.controller';
import { AccountsController } from './accounts/accounts.controller';
import { AdminController } from './admin/admin.controller';
import { BackendController } from './backend/backend.controller';
import { GATEWAY_CONFIG, loadGatewayConfig } from './config/gateway.config';
import { HttpMetricsHook } from './http/http-metrics';
import { JsonBodyGuard } from './http/json-body.guard';
import { InputInspectionHook } from './http/input-inspection.hook';
import { LenientJsonParser } from './http/json-body.parser';
import { ProblemFilter } from './http/problem.filter';
import { createValidationPipe } from './http/validation';
import { IntrospectionModule } from './introspection/introspection.module';
import { KeysController } from './keys/keys.controller';
import { OwnEventsModule } from './own-events/own-events.module';
import { AuthClient, ProjectorClient } from './rpc/rpc.clients';
import { AccessGuard } from './security/access.guard';
import { PinnedVerification } from './security/pinned-verification.service';
import { EdgeRateLimiter } from './security/edge-rate-limiter.service';
import { IdentityFeed } from './security/identity-feed.service';
import { Revocations } from './security/revocations.service';
import { ServerKeys } from './security/server-keys.service';
import { VerificationKeys } from './security/verification-keys.service';
import { TokenVerifier } from './security/token-verifier.service';
import { WorkspaceAlgorithms } from './security/workspace-algorithms.service';
import { WorkspaceSettings } from './workspaces/workspace-settings.service';
import { SessionsController } from './sessions/sessions.controller';
import { TrackingIntakeModule } from './tracking/tracking-intake.module';

const config = loadGatewayConfig();

/** The gateway's services, global so that the health checks and every controller can use them. */
@Global()
@Module({
  providers: [
    { provide: GATEWAY_CONFIG, useValue: config },
    { provide: AuthClient, useFactory: () => AuthClient.create(config) },
    { provide: ProjectorClient, useFactory: () => ProjectorClient.create(config) },
    VerificationKeys,
    Revocations,
    IdentityFeed,
    ServerKeys,
    EdgeRateLimiter,
    TokenVerifier,
    WorkspaceSettings,
    WorkspaceAlgorithms,
    PinnedVerification,
    AccessGuard,
  ],
  exports: [
    GATEWAY_CONFIG,
    AuthClient,
    ProjectorClient,
    VerificationKeys,
    Revocations,
    IdentityFeed,
    ServerKeys,
    EdgeRateLimiter,
    TokenVerifier,
    WorkspaceSettings,
    WorkspaceAlgorithms,
    PinnedVerification,
    AccessGuard,
  ],
})
class GatewayCoreModule {}

/** Composition root of `gateway`, the only public HTTP server. */
@Module({
  imports: [
    InfrastructureModule.forApp({ app: 'gateway', kafkaBrokers: config.kafkaBrokers, topics: config.topics }),
    GatewayCoreModule,
    TrackingIntakeModule,
    OwnEventsModule,
    IntrospectionModule,
    HealthModule.withChecks({
      inject: [KAFKA, VerificationKeys, IdentityFeed],
      // Ready once Kafka answers, auth's signing keys are loaded and the revocations caught up.
      useFactory: (kafka: Kafka, keys: VerificationKeys, feed: IdentityFeed) => [
        ...infrastructureChecks(kafka),
        { name: 'signing-keys', check: () => Promise.resolve(keys.loaded) },
        { name: 'revocations', check: () => Promise.resolve(feed.caughtUp) },
      ],
    }),
  ],
  controllers: [
    MetricsController,
    SessionsController,
    AccountsController,
    AccountController,
    BackendController,
    AdminController,
    KeysController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_GUARD, useClass: JsonBodyGuard },
    LenientJsonParser,
    InputInspectionHook,
    HttpMetricsHook,
  ],
})
export class GatewayModule {}
