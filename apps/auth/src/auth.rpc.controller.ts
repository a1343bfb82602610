import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import * as C from '@idstream/contracts';
import { isDatabaseUnavailable } from '@idstream/persistence';
import { CreateAnonymousHandler } from './clients/create-anonymous/create-anonymous.handler';
import { DataKeyService } from './event-store/data-key.service';
import { SigningKeys } from './keys/signing-keys';
import { ChangePasswordHandler } from './profile/change-password/change-password.handler';
import { ConfirmEmailHandler } from './profile/confirm-email/confirm-email.handler';
import { ConfirmPasswordResetHandler } from './profile/confirm-password-reset/confirm-password-reset.handler';
import { EraseProfileHandler } from './profile/erase-profile/erase-profile.handler';
import { GetAccountHandler } from './profile/get-account/get-account.handler';
import { ImportProfileHandler } from './profile/import-profile/import-profile.handler';
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
import { SignOutHandler } from './profile/sign-out/sign-out.handler';
import { SignOutEverywhereHandler } from './profile/sign-out-everywhere/sign-out-everywhere.handler';
import { RevokeSessionsHandler } from './profile/revoke-sessions/revoke-sessions.handler';
import { DeleteAccountHandler } from './profile/delete-account/delete-account.handler';
import { UpdateAccountHandler } from './profile/update-account/update-account.handler';
import { AuthenticateServerKeyHandler } from './workspace/authenticate-server-key/authenticate-server-key.handler';
import { CreateWorkspaceHandler } from './workspace/create-workspace/create-workspace.handler';
import { ListOriginsHandler } from './workspace/list-origins/list-origins.handler';
import { ListTokenAlgorithmsHandler } from './workspace/list-token-algorithms/list-token-algorithms.handler';
import { UpdateWorkspaceHandler } from './workspace/update-workspace/update-workspace.handler';

const AP = C.AuthPatterns;

/**
 * The TCP entry of `auth`: one message pattern per command or query, each delegating to its
 * handler. A fault (not an expected refusal) is logged with the request id and answered as
 * INTERNAL, so the gateway never waits for a reply that will not come; a database outage is
 * answered SERVICE_UNAVAILABLE (503 with Retry-After), as the gateway does when auth is down.
 */
@Controller()
export class AuthRpcController {
  private readonly logger = new Logger('AuthRpc');

  constructor(
    private readonly createAnonymousHandler: CreateAnonymousHandler,
    private readonly registerHandler: RegisterHandler,
    private readonly confirmEmailHandler: ConfirmEmailHandler,
    private readonly resendConfirmationHandler: ResendConfirmationHandler,
    private readonly activatePinHandler: ActivatePinHandler,
    private readonly requestEmailChangeHandler: RequestEmailChangeHandler,
    private readonly confirmEmailChangeHandler: ConfirmEmailChangeHandler,
    private readonly requestActivationPinHandler: RequestActivationPinHandler,
    private readonly signInHandler: SignInHandler,
    private readonly signInExternalHandler: SignInExternalHandler,
    private readonly refreshHandler: RefreshSessionHandler,
    private readonly signOutHandler: SignOutHandler,
    private readonly signOutEverywhereHandler: SignOutEverywhereHandler,
    private readonly revokeSessionsHandler: RevokeSessionsHandler,
    private readonly deleteAccountHandler: DeleteAccountHandler,
    private readonly getAccountHandler: GetAccountHandler,
    private readonly updateAccountHandler: UpdateAccountHandler,
    private readonly changePasswordHandler: ChangePasswordHandler,
    private readonly requestPasswordResetHandler: RequestPasswordResetHandler,
    private readonly confirmPasswordResetHandler: ConfirmPasswordResetHandler,
    private readonly importProfileHandler: ImportProfileHandler,
    private readonly recognizeClientHandler: RecognizeClientHandler,
    private readonly eraseProfileHandler: EraseProfileHandler,
    private readonly authenticateServerKeyHandler: AuthenticateServerKeyHandler,
    private readonly createWorkspaceHandler: CreateWorkspaceHandler,
    private readonly updateWorkspaceHandler: UpdateWorkspaceHandler,
    private readonly listOriginsHandler: ListOriginsHandler,
    private readonly listTokenAlgorithmsHandler: ListTokenAlgorithmsHandler,
    private readonly keys: SigningKeys,
    private readonly dataKeys: DataKeyService,
  ) {}

  @MessagePattern(AP.createAnonymous)
  createAnonymous(@Payload() cmd: C.CreateAnonymousCommand) {
    return this.guard(cmd, () => this.createAnonymousHandler.handle(cmd));
  }

  @MessagePattern(AP.register)
  register(@Payload() cmd: C.RegisterCommand) {
    return this.guard(cmd, () => this.registerHandler.handle(cmd));
  }

  @MessagePattern(AP.confirmEmail)
  confirmEmail(@Payload() cmd: C.ConfirmEmailCommand) {
    return this.guard(cmd, () => this.confirmEmailHandler.handle(cmd));
  }

  @MessagePattern(AP.resendConfirmation)
  resendConfirmation(@Payload() cmd: C.ResendConfirmationCommand) {
    return this.guard(cmd, () => this.resendConfirmationHandler.handle(cmd));
  }

  @MessagePattern(AP.signInExternal)
  signInExternal(@Payload() cmd: C.SignInExternalCommand) {
    return this.guard(cmd, () => this.signInExternalHandler.handle(cmd));
  }

  @MessagePattern(AP.activatePin)
  activatePin(@Payload() cmd: C.ActivatePinCommand) {
    return this.guard(cmd, () => this.activatePinHandler.handle(cmd));
  }

  @MessagePattern(AP.resendActivationPin)
  resendActivationPin(@Payload() cmd: C.ResendActivationPinCommand) {
    return this.guard(cmd, () => this.requestActivationPinHandler.handle(cmd));
  }

  @MessagePattern(AP.requestEmailChange)
  requestEmailChange(@Payload() cmd: C.RequestEmailChangeCommand) {
    return this.guard(cmd, () => this.requestEmailChangeHandler.handle(cmd));
  }

  @MessagePattern(AP.confirmEmailChange)
  confirmEmailChange(@Payload() cmd: C.ConfirmEmailChangeCommand) {
    return this.guard(cmd, () => this.confirmEmailChangeHandler.handle(cmd));
  }

  @MessagePattern(AP.signIn)
  signIn(@Payload() cmd: C.SignInCommand) {
    return this.guard(cmd, () => this.signInHandler.handle(cmd));
  }

  @MessagePattern(AP.refresh)
  refresh(@Payload() cmd: C.RefreshCommand) {
    return this.guard(cmd, () => this.refreshHandler.handle(cmd));
  }

  @MessagePattern(AP.signOut)
  signOut(@Payload() cmd: C.SignOutCommand) {
    return this.guard(cmd, () => this.signOutHandler.handle(cmd));
  }

  @MessagePattern(AP.signOutEverywhere)
  signOutEverywhere(@Payload() cmd: C.SignOutCommand) {
    return this.guard(cmd, () => this.signOutEverywhereHandler.handle(cmd));
  }

  @MessagePattern(AP.revokeSessions)
  revokeSessions(@Payload() cmd: C.RevokeSessionsCommand) {
    return this.guard(cmd, () => this.revokeSessionsHandler.handle(cmd));
  }

  @MessagePattern(AP.deleteAccount)
  deleteAccount(@Payload() cmd: C.DeleteAccountCommand) {
    return this.guard(cmd, () => this.deleteAccountHandler.handle(cmd));
  }

  @MessagePattern(AP.getAccount)
  getAccount(@Payload() query: C.GetAccountQuery) {
    return this.guard(query, () => this.getAccountHandler.handle(query));
  }

  @MessagePattern(AP.updateAccount)
  updateAccount(@Payload() cmd: C.UpdateAccountCommand) {
    return this.guard(cmd, () => this.updateAccountHandler.handle(cmd));
  }

  @MessagePattern(AP.changePassword)
  changePassword(@Payload() cmd: C.ChangePasswordCommand) {
    return this.guard(cmd, () => this.changePasswordHandler.handle(cmd));
  }

  @MessagePattern(AP.requestPasswordReset)
  requestPasswordReset(@Payload() cmd: C.RequestPasswordResetCommand) {
    return this.guard(cmd, () => this.requestPasswordResetHandler.handle(cmd));
  }

  @MessagePattern(AP.confirmPasswordReset)
  confirmPasswordReset(@Payload() cmd: C.ConfirmPasswordResetCommand) {
    return this.guard(cmd, () => this.confirmPasswordResetHandler.handle(cmd));
  }

  @MessagePattern(AP.authenticateServerKey)
  authenticateServerKey(@Payload() query: C.AuthenticateServerKeyQuery) {
    return this.guard(null, () => this.authenticateServerKeyHandler.handle(query));
  }

  @MessagePattern(AP.createWorkspace)
  createWorkspace(@Payload() cmd: C.CreateWorkspaceCommand) {
    return this.guard(cmd, () => this.createWorkspaceHandler.handle(cmd));
  }

  @MessagePattern(AP.updateWorkspace)
  updateWorkspace(@Payload() cmd: C.UpdateWorkspaceCommand) {
    return this.guard(cmd, () => this.updateWorkspaceHandler.handle(cmd));
  }

  @MessagePattern(AP.listWorkspaceOrigins)
  listWorkspaceOrigins() {
    return this.guard(null, () => this.listOriginsHandler.handle());
  }

  @MessagePattern(AP.listWorkspaceTokenAlgorithms)
  listWorkspaceTokenAlgorithms() {
    return this.guard(null, () => this.listTokenAlgorithmsHandler.handle());
  }

  @MessagePattern(AP.importProfile)
  importProfile(@Payload() cmd: C.ImportProfileCommand) {
    return this.guard(cmd, () => this.importProfileHandler.handle(cmd));
  }

  @MessagePattern(AP.recognizeClient)
  recognizeClient(@Payload() cmd: C.RecognizeClientCommand) {
    return this.guard(cmd, () => this.recognizeClientHandler.handle(cmd));
  }

  @MessagePattern(AP.eraseProfile)
  eraseProfile(@Payload() cmd: C.EraseProfileCommand) {
    return this.guard(cmd, () => this.eraseProfileHandler.handle(cmd));
  }

  @MessagePattern(AP.jwks)
  jwks() {
    return this.guard(null, async () => C.ok(await this.keys.jwks()));
  }

  @MessagePattern(AP.dataKeys)
  dataKeysOf(@Payload() query: C.DataKeysQuery) {
    return this.guard(null, () => this.dataKeys.handle(query));
  }

  private async guard<T>(cmd: { meta?: C.RequestMeta } | null, work: () => Promise<C.Reply<T>>): Promise<C.Reply<T>> {
    try {
      return await work();
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // An outage, not a fault of the request: the gateway answers 503 with Retry-After.
        this.logger.warn({ msg: 'command refused: database unavailable', requestId: cmd?.meta?.requestId, err: (error as Error).message });
        return C.fail('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly', { retryAfter: 1 });
      }
      this.logger.error({
        msg: 'command failed',
        requestId: cmd?.meta?.requestId,
        err: (error as Error).message,
        stack: (error as Error).stack,
      });
      return C.fail('INTERNAL', 'Internal error');
    }
  }
}
