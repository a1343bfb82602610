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
  type SignInExternalCommand,
  type SignInExternalResult,
  type SignInResult,
  type SignOutCommand,
} from '@idstream/contracts';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Meta } from '../http/request-context';
import {
  AnonymousTokenResponse,
  ConditionalSignInResponse,
  ExternalSignInResponse,
  SignInResponse,
  TokenResponse,
} from '../openapi/client-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { AuthClient } from '../rpc/rpc.clients';
import { AnyToken, Anonymous, Customer, Public, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import { ProblemError } from '../http/problem';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { CreateAnonymousDto, SignInDto, SignInExternalDto, SignOutDto } from './sessions.dto';

/** Anonymous tokens, sign-in, refresh and sign-out (the client API, served as OpenAPI at /docs: docs/architecture.md §9). */
@ApiTags('sessions')
@Controller('v1/auth')
export class SessionsController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  @Post('anonymous')
  @ApiOperation({
    summary: 'Get an anonymous token for a device',
    description: "Client key: the workspace's client API key goes in the body (`apiKey`), no Authorization header.",
  })
  @ApiOkResponse({ type: AnonymousTokenResponse, description: 'An anonymous access token for the device' })
  @Problems('INVALID_API_KEY', 'SERVICE_UNAVAILABLE')
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
  @ApiOperation({ summary: 'Sign in with email and password', description: 'The same answer for an unknown email and a wrong password.' })
  @ApiOkResponse({ type: SignInResponse, description: 'A customer access token' })
  @Problems('INVALID_CREDENTIALS', 'ACCOUNT_NOT_ACTIVATED', 'TOO_MANY_ATTEMPTS')
  @HttpCode(200)
  @Anonymous('account:sign-in')
  @RateLimited()
  async signIn(@Body() body: SignInDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<SignInResult> {
    const { token, expiresAt, profileId } = await this.auth.call<SignInResult>(AuthPatterns.signIn, signInCommand(body, caller, meta));
    return { token, expiresAt, profileId };
  }

  @Post('external')
  @ApiOperation({
    summary: 'Sign in with an identity provider (Google, Apple, any OpenID Connect issuer)',
    description:
      "The ID token is verified against the provider's keys; the account is found by the external identity, linked by a verified email, or created (`created: true`). With `conditional: true` nothing is created: `REGISTRATION_REQUIRED`. When the workspace's required agreements are not all accepted (by the profile or in `agreements`), nothing is created or linked: `TERMS_ACCEPTANCE_REQUIRED` with the names in `conditions` (a 200 status when conditional, else a 403).",
  })
  @ApiOkResponse({ type: ExternalSignInResponse, description: 'A customer access token, or a status (conditional)' })
  @Problems('UNKNOWN_PROVIDER', 'EXTERNAL_TOKEN_INVALID', 'TERMS_ACCEPTANCE_REQUIRED', 'PROVIDER_UNAVAILABLE', 'TOO_MANY_ATTEMPTS')
  @HttpCode(200)
  @Anonymous('account:sign-in')
  @RateLimited()
  async signInExternal(
    @Body() body: SignInExternalDto,
    @CurrentCaller() caller: Caller,
    @Meta() meta: RequestMeta,
  ): Promise<Record<string, unknown>> {
    const conditional = body.conditional === true;
    const command: SignInExternalCommand = {
      meta,
      caller,
      provider: body.provider,
      idToken: body.idToken,
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      conditional,
      profile: profileFieldsOf(body),
      agreements: body.agreements ?? {},
      attributes: body.attributes ?? {},
    };
    const result = await this.auth.call<SignInExternalResult>(AuthPatterns.signInExternal, command);
    if (result.status !== 'SUCCESS') return { status: result.status, conditions: result.conditions };
    const { token, expiresAt, profileId, created } = result;
    return conditional
      ? { status: 'SUCCESS', conditions: [], token, expiresAt, profileId, created }
      : { token, expiresAt, profileId, created };
  }

  /**
   * signInConditionally: the same sign-in (limits, enumeration rules, 429), but a refusal the
   * customer can act on is a 200 status instead of an error, and only SUCCESS carries a token.
   */
  @Post('sign-in/conditional')
  @ApiOperation({
    summary: 'Sign in, answering a status instead of a failure (signInConditionally)',
    description: 'Same limits and enumeration rules as sign-in; UNAUTHORIZED is the same for an unknown email and a wrong password.',
  })
  @ApiOkResponse({ type: ConditionalSignInResponse, description: 'SUCCESS with a token, or what stands in the way' })
  @Problems('TOO_MANY_ATTEMPTS')
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
  @ApiOperation({
    summary: 'Refresh a still valid token',
    description: 'A new token for the same session, never past its maximum lifetime.',
  })
  @ApiOkResponse({ type: TokenResponse, description: 'A new access token' })
  @HttpCode(200)
  @AnyToken()
  async refresh(@CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<IssuedToken> {
    const command: RefreshCommand = { meta, caller };
    const { token, expiresAt } = await this.auth.call<IssuedToken>(AuthPatterns.refresh, command);
    return { token, expiresAt };
  }

  @Post('sign-out')
  @ApiOperation({ summary: 'Sign out', description: 'Every token of the session is rejected from then on.' })
  @ApiBody({ type: SignOutDto, required: false, description: 'Optional: `{ fromAllDevices: true }` closes every session of the profile' })
  @ApiNoContentResponse({ description: 'The session is closed' })
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
