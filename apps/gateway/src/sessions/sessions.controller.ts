import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import {
  AuthPatterns,
  type Caller,
  type CreateAnonymousCommand,
  type CreateAnonymousResult,
  type IssuedToken,
  type RefreshCommand,
  type RequestMeta,
  type SignInCommand,
  type SignInResult,
  type SignOutCommand,
} from '@idstream/contracts';
import { CurrentCaller, Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { AnyToken, Anonymous, Customer, Public, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import { ProblemError } from '../http/problem';
import { CreateAnonymousDto, SignInDto, SignOutDto } from './sessions.dto';

/** Anonymous tokens, sign-in, refresh and sign-out (the client API, served as OpenAPI at /docs: docs/architecture.md §9). */
@Controller('v1/auth')
export class SessionsController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  @Post('anonymous')
  @HttpCode(200)
  @Public()
  @RateLimited()
  async anonymous(
    @Body() body: CreateAnonymousDto,
    @Meta() meta: RequestMeta,
  ): Promise<{ token: string; expiresAt: string; uuid: string; workspaceId: string }> {
    const command: CreateAnonymousCommand = { meta, apiKey: body.apiKey, uuid: body.uuid };
    const { token, expiresAt, uuid, workspaceId } = await this.auth.call<CreateAnonymousResult>(AuthPatterns.createAnonymous, command);
    return { token, expiresAt, uuid, workspaceId };
  }

  @Post('sign-in')
  @HttpCode(200)
  @Anonymous('account:sign-in')
  @RateLimited()
  async signIn(@Body() body: SignInDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<SignInResult> {
    const { token, expiresAt, profileId } = await this.auth.call<SignInResult>(AuthPatterns.signIn, signInCommand(body, caller, meta));
    return { token, expiresAt, profileId };
  }

  /**
   * signInConditionally: the same sign-in (limits, enumeration rules, 429), but a refusal the
   * customer can act on is a 200 status instead of an error, and only SUCCESS carries a token.
   */
  @Post('sign-in/conditional')
  @HttpCode(200)
  @Anonymous('account:sign-in')
  @RateLimited()
  async signInConditionally(
    @Body() body: SignInDto,
    @CurrentCaller() caller: Caller,
    @Meta() meta: RequestMeta,
  ): Promise<ConditionalSignInAnswer> {
    try {
      const { token, expiresAt, profileId } = await this.auth.call<SignInResult>(AuthPatterns.signIn, signInCommand(body, caller, meta));
      return { status: 'SUCCESS', token, expiresAt, profileId, conditions: [] };
    } catch (error) {
      const status = error instanceof ProblemError ? CONDITIONAL_STATUS[error.code] : undefined;
      if (!status) throw error;
      return { status, conditions: (error as ProblemError).extra.conditions ?? [] };
    }
  }

  @Post('refresh')
  @HttpCode(200)
  @AnyToken()
  async refresh(@CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<IssuedToken> {
    const command: RefreshCommand = { meta, caller };
    const { token, expiresAt } = await this.auth.call<IssuedToken>(AuthPatterns.refresh, command);
    return { token, expiresAt };
  }

  @Post('sign-out')
  @HttpCode(204)
  @Customer('session:sign-out')
  async signOut(@Body() body: SignOutDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: SignOutCommand = { meta, caller };
    const everywhere = body.fromAllDevices === true;
    const reply = await this.auth.call<unknown>(everywhere ? AuthPatterns.signOutEverywhere : AuthPatterns.signOut, command);
    // Rejected from this instant on, without waiting for SessionClosed to come back over Kafka.
    this.revocations.closedNow(caller.sessionId, everywhere ? 'sign-out-all' : 'sign-out');
    this.revocations.fromReply(reply);
  }
}

type ConditionalStatus = 'UNAUTHORIZED' | 'ACTIVATION_REQUIRED' | 'TERMS_ACCEPTANCE_REQUIRED';
type ConditionalSignInAnswer =
  | { status: 'SUCCESS'; token: string; expiresAt: string; profileId: string; conditions: string[] }
  | { status: ConditionalStatus; conditions: string[] };

/** The sign-in refusals the conditional route answers as a status (anything else, e.g. 429, stays an error). */
const CONDITIONAL_STATUS: Record<string, ConditionalStatus | undefined> = {
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  ACCOUNT_NOT_ACTIVATED: 'ACTIVATION_REQUIRED',
  TERMS_ACCEPTANCE_REQUIRED: 'TERMS_ACCEPTANCE_REQUIRED',
};

function signInCommand(body: SignInDto, caller: Caller, meta: RequestMeta): SignInCommand {
  return { meta, caller, email: body.email, password: body.password, ...(body.agreements ? { agreements: body.agreements } : {}) };
}
