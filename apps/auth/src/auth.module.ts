import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, HealthModule, InfrastructureModule, KAFKA, infrastructureChecks } from '@idstream/runtime';
import { AccountHandler } from './account/account.handler';
import { ConfirmHandler } from './accounts/confirm.handler';
import { RegisterHandler } from './accounts/register.handler';
import { AuthRpcController } from './auth.rpc.controller';
import { BackendHandler } from './backend/backend.handler';
import { AnonymousHandler } from './clients/anonymous.handler';
import { AUTH_CONFIG, loadAuthConfig } from './config/auth.config';
import { ProfileDataKeys } from './event-store/data-keys';
import { DataKeyService } from './event-store/data-key.service';
import { SigningKeys } from './keys/signing-keys';
import { MailSender } from './mail/mail.sender';
import { authMigrations } from './migrations/auth.migrations';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { PasswordResetHandler } from './password-reset/password-reset.handler';
import { ProfileStore } from './profile/profile.store';
import { RateLimiter } from './rate-limit/rate-limiter';
import { SessionHandler } from './sessions/session.handler';
import { SignInHandler } from './sessions/sign-in.handler';
import { TokenIssuer } from './tokens/token-issuer';
import { WorkspaceHandler } from './workspace/workspace.handler';
import { WorkspaceStore } from './workspace/workspace.store';

const config = loadAuthConfig();

/** Composition root of `auth`, the write side of identity. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'auth',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
      database: { url: config.databaseUrl, schema: 'auth', migrations: authMigrations },
    }),
    HealthModule.withChecks({ inject: [KAFKA, DATA_SOURCE], useFactory: (k: Kafka, d: DataSource) => infrastructureChecks(k, d) }),
  ],
  controllers: [AuthRpcController],
  providers: [
    { provide: AUTH_CONFIG, useValue: config },
    OutboxRelayService,
    MailSender,
    SigningKeys,
    TokenIssuer,
    WorkspaceStore,
    ProfileDataKeys,
    DataKeyService,
    ProfileStore,
    RateLimiter,
    AnonymousHandler,
    RegisterHandler,
    ConfirmHandler,
    SignInHandler,
    SessionHandler,
    AccountHandler,
    PasswordResetHandler,
    BackendHandler,
    WorkspaceHandler,
  ],
})
export class AuthModule {}
