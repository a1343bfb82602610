import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import * as C from '@idstream/contracts';
import { isDatabaseUnavailable } from '@idstream/persistence';
import { AccountHandler } from './account/account.handler';
import { ConfirmHandler } from './accounts/confirm.handler';
import { RegisterHandler } from './accounts/register.handler';
import { BackendHandler } from './backend/backend.handler';
import { AnonymousHandler } from './clients/anonymous.handler';
import { SigningKeys } from './keys/signing-keys';
import { PasswordResetHandler } from './password-reset/password-reset.handler';
import { SessionHandler } from './sessions/session.handler';
import { SignInHandler } from './sessions/sign-in.handler';
import { WorkspaceHandler } from './workspace/workspace.handler';

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
    private readonly anonymous: AnonymousHandler,
    private readonly registration: RegisterHandler,
    private readonly confirmation: ConfirmHandler,
    private readonly signInHandler: SignInHandler,
    private readonly sessions: SessionHandler,
    private readonly account: AccountHandler,
    private readonly reset: PasswordResetHandler,
    private readonly backend: BackendHandler,
    private readonly workspaces: WorkspaceHandler,
    private readonly keys: SigningKeys,
  ) {}

  @MessagePattern(AP.createAnonymous)
  createAnonymous(@Payload() cmd: C.CreateAnonymousCommand) {
    return this.guard(cmd, () => this.anonymous.handle(cmd));
  }

  @MessagePattern(AP.register)
  register(@Payload() cmd: C.RegisterCommand) {
    return this.guard(cmd, () => this.registration.handle(cmd));
  }

  @MessagePattern(AP.confirmEmail)
  confirmEmail(@Payload() cmd: C.ConfirmEmailCommand) {
    return this.guard(cmd, () => this.confirmation.confirm(cmd));
  }

  @MessagePattern(AP.resendConfirmation)
  resendConfirmation(@Payload() cmd: C.ResendConfirmationCommand) {
    return this.guard(cmd, () => this.confirmation.resend(cmd));
  }

  @MessagePattern(AP.signIn)
  signIn(@Payload() cmd: C.SignInCommand) {
    return this.guard(cmd, () => this.signInHandler.handle(cmd));
  }

  @MessagePattern(AP.refresh)
  refresh(@Payload() cmd: C.RefreshCommand) {
    return this.guard(cmd, () => this.sessions.refresh(cmd));
  }

  @MessagePattern(AP.signOut)
  signOut(@Payload() cmd: C.SignOutCommand) {
    return this.guard(cmd, () => this.sessions.signOut(cmd));
  }

  @MessagePattern(AP.getAccount)
  getAccount(@Payload() query: C.GetAccountQuery) {
    return this.guard(query, () => this.account.get(query));
  }

  @MessagePattern(AP.updateAccount)
  updateAccount(@Payload() cmd: C.UpdateAccountCommand) {
    return this.guard(cmd, () => this.account.update(cmd));
  }

  @MessagePattern(AP.changePassword)
  changePassword(@Payload() cmd: C.ChangePasswordCommand) {
    return this.guard(cmd, () => this.account.changePassword(cmd));
  }

  @MessagePattern(AP.requestPasswordReset)
  requestPasswordReset(@Payload() cmd: C.RequestPasswordResetCommand) {
    return this.guard(cmd, async () =>
      cmd.caller ? this.reset.request(cmd, cmd.caller.workspaceId) : C.fail('UNAUTHORIZED', 'An anonymous token is required'),
    );
  }

  @MessagePattern(AP.confirmPasswordReset)
  confirmPasswordReset(@Payload() cmd: C.ConfirmPasswordResetCommand) {
    return this.guard(cmd, () => this.reset.confirm(cmd));
  }

  @MessagePattern(AP.authenticateServerKey)
  authenticateServerKey(@Payload() query: C.AuthenticateServerKeyQuery) {
    return this.guard(null, () => this.workspaces.authenticateServerKey(query));
  }

  @MessagePattern(AP.createWorkspace)
  createWorkspace(@Payload() cmd: C.CreateWorkspaceCommand) {
    return this.guard(cmd, () => this.workspaces.create(cmd));
  }

  @MessagePattern(AP.updateWorkspace)
  updateWorkspace(@Payload() cmd: C.UpdateWorkspaceCommand) {
    return this.guard(cmd, () => this.workspaces.update(cmd));
  }

  @MessagePattern(AP.listWorkspaceOrigins)
  listWorkspaceOrigins() {
    return this.guard(null, () => this.workspaces.listOrigins());
  }

  @MessagePattern(AP.importProfile)
  importProfile(@Payload() cmd: C.ImportProfileCommand) {
    return this.guard(cmd, () => this.backend.importProfile(cmd));
  }

  @MessagePattern(AP.recognizeClient)
  recognizeClient(@Payload() cmd: C.RecognizeClientCommand) {
    return this.guard(cmd, () => this.backend.recognize(cmd));
  }

  @MessagePattern(AP.eraseProfile)
  eraseProfile(@Payload() cmd: C.EraseProfileCommand) {
    return this.guard(cmd, () => this.backend.erase(cmd));
  }

  @MessagePattern(AP.jwks)
  jwks() {
    return this.guard(null, async () => C.ok(await this.keys.jwks()));
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
