import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HealthModule, InfrastructureModule, KAFKA, MetricsController, infrastructureChecks } from '@idstream/runtime';
import { AuthRpcController } from './auth.rpc.controller';
import { CreateAnonymousHandler } from './clients/create-anonymous/create-anonymous.handler';
import { AUTH_CONFIG, loadAuthConfig } from './config/auth.config';
import { ProfileDataKeys } from './event-store/data-keys';
import { DataKeyService } from './event-store/data-key.service';
import { SigningKeys } from './keys/signing-keys';
import { MailSender } from './mail/mail.sender';
import { authMigrations } from './migrations/auth.migrations';
import { CommandMetricsInterceptor } from './metrics/command-metrics.interceptor';
import { OutboxGauges } from './metrics/outbox-gauges';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { ChangePasswordHandler } from './profile/change-password/change-password.handler';
import { ConfirmEmailHandler } from './profile/confirm-email/confirm-email.handler';
import { ConfirmPasswordResetHandler } from './profile/confirm-password-reset/confirm-password-reset.handler';
import { EraseProfileHandler } from './profile/erase-profile/erase-profile.handler';
import { GetAccountHandler } from './profile/get-account/get-account.handler';
import { ImportProfileHandler } from './profile/import-profile/import-profile.handler';
import { ProfileCommands } from './profile/profile.commands.runner';
import { RecognizeClientHandler } from './profile/recognize-client/recognize-client.handler';
import { RefreshSessionHandler } from './profile/refresh-session/refresh-session.handler';
import { RegisterHandler } from './profile/register/register.handler';
import { RequestPasswordResetHandler } from './profile/request-password-reset/request-password-reset.handler';
import { ResendConfirmationHandler } from './profile/resend-confirmation/resend-confirmation.handler';
import { ActivatePinHandler } from './profile/activate-pin/activate-pin.handler';
import { ConfirmEmailChangeHandler } from './profile/confirm-email-change/confirm-email-change.handler';
import { RequestEmailChangeHandler } from './profile/request-email-change/request-email-change.handler';
import { RequestActivationPinHandler } from './profile/request-activation-pin/request-activation-pin.handler';
import { SignInHandler } from './profile/sign-in/sign-in.handler';
import { SignInExternalHandler } from './profile/external-sign-in/sign-in-external.handler';
import { ProviderKeysCache } from './external-identity/provider-keys';
import { SignOutHandler } from './profile/sign-out/sign-out.handler';
import { SignOutEverywhereHandler } from './profile/sign-out-everywhere/sign-out-everywhere.handler';
import { RevokeSessionsHandler } from './profile/revoke-sessions/revoke-sessions.handler';
import { DeleteAccountHandler } from './profile/delete-account/delete-account.handler';
import { OwnerProofChecker } from './profile/owner-proof';
import { UpdateAccountHandler } from './profile/update-account/update-account.handler';
import { AuthRateLimiter } from './rate-limit/rate-limiter';
import { TokenIssuer } from './tokens/token-issuer';
import { AuthenticateServerKeyHandler } from './workspace/authenticate-server-key/authenticate-server-key.handler';
import { CreateWorkspaceHandler } from './workspace/create-workspace/create-workspace.handler';
import { ListOriginsHandler } from './workspace/list-origins/list-origins.handler';
import { ListTokenAlgorithmsHandler } from './workspace/list-token-algorithms/list-token-algorithms.handler';
import { UpdateWorkspaceHandler } from './workspace/update-workspace/update-workspace.handler';
import { WorkspaceStore } from './workspace/workspace.store';
import { DATA_SOURCE, DatabaseModule, databaseCheck } from '@idstream/persistence';

const config = loadAuthConfig();

/** Composition root of `auth`, the write side of identity. */
@Module({
  imports: [
    InfrastructureModule.forApp({
      app: 'auth',
      kafkaBrokers: config.kafkaBrokers,
      topics: config.topics,
    }),
    DatabaseModule.forApp({ app: 'auth', url: config.databaseUrl, schema: 'auth', migrations: authMigrations }),
    HealthModule.withChecks({
      inject: [KAFKA, DATA_SOURCE],
      useFactory: (k: Kafka, d: DataSource) => [...infrastructureChecks(k), databaseCheck(d)],
    }),
  ],
  controllers: [AuthRpcController, MetricsController],
  providers: [
    { provide: AUTH_CONFIG, useValue: config },
    OutboxRelayService,
    OutboxGauges,
    { provide: APP_INTERCEPTOR, useClass: CommandMetricsInterceptor },
    MailSender,
    SigningKeys,
    TokenIssuer,
    WorkspaceStore,
    ProfileDataKeys,
    DataKeyService,
    ProfileCommands,
    AuthRateLimiter,
    CreateAnonymousHandler,
    RegisterHandler,
    ConfirmEmailHandler,
    ResendConfirmationHandler,
    ActivatePinHandler,
    RequestEmailChangeHandler,
    ConfirmEmailChangeHandler,
    RequestActivationPinHandler,
    SignInHandler,
    SignInExternalHandler,
    { provide: ProviderKeysCache, useFactory: () => new ProviderKeysCache(config.providerKeys) },
    RefreshSessionHandler,
    SignOutHandler,
    SignOutEverywhereHandler,
    RevokeSessionsHandler,
    DeleteAccountHandler,
    OwnerProofChecker,
    GetAccountHandler,
    UpdateAccountHandler,
    ChangePasswordHandler,
    RequestPasswordResetHandler,
    ConfirmPasswordResetHandler,
    ImportProfileHandler,
    RecognizeClientHandler,
    EraseProfileHandler,
    AuthenticateServerKeyHandler,
    CreateWorkspaceHandler,
    UpdateWorkspaceHandler,
    ListOriginsHandler,
    ListTokenAlgorithmsHandler,
  ],
})
export class AuthModule {}
