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
import { CurrentCaller, Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { AnyToken, Anonymous, Customer, Public, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { CreateAnonymousDto, SignInDto, SignInExternalDto } from './sessions.dto';

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
    const command: SignInCommand = { meta, caller, email: body.email, password: body.password };
    const { token, expiresAt, profileId } = await this.auth.call<SignInResult>(AuthPatterns.signIn, command);
    return { token, expiresAt, profileId };
  }

  @Post('external')
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
    if (result.status === 'REGISTRATION_REQUIRED') return { status: result.status, conditions: result.conditions };
    const { token, expiresAt, profileId, created } = result;
    return conditional
      ? { status: 'SUCCESS', conditions: [], token, expiresAt, profileId, created }
      : { token, expiresAt, profileId, created };
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
  async signOut(@CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: SignOutCommand = { meta, caller };
    const reply = await this.auth.call<unknown>(AuthPatterns.signOut, command);
    // Rejected from this instant on, without waiting for SessionClosed to come back over Kafka.
    this.revocations.closedNow(caller.sessionId);
    this.revocations.fromReply(reply);
  }
}
