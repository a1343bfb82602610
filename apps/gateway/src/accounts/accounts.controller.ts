import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  AuthPatterns,
  POSITION_HEADER,
  type ActivatePinCommand,
  type Caller,
  type ConfirmEmailCommand,
  type ConfirmPasswordResetCommand,
  type RegisterCommand,
  type RegisterResult,
  type RequestMeta,
  type RequestPasswordResetCommand,
  type ResendActivationPinCommand,
  type ResendConfirmationCommand,
} from '@idstream/contracts';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { RegisterResponse } from '../openapi/client-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { CurrentCaller, Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { Anonymous, OptionalToken, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import { ActivatePinDto, ConfirmEmailDto, ConfirmPasswordResetDto, EmailOnlyDto, RegisterAccountDto } from './accounts.dto';

/** Registration, email confirmation and password reset: the routes used before signing in. */
@ApiTags('accounts')
@Controller('v1')
export class AccountsController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  @Post('accounts')
  @ApiOperation({
    summary: 'Register an account',
    description: "With the anonymous token of the device; the password is checked against the workspace's policy.",
  })
  @ApiCreatedResponse({ type: RegisterResponse, description: 'The account, active or waiting for its activation mail' })
  @Problems('PASSWORD_POLICY', 'EMAIL_CONFUSABLE', 'EMAIL_TAKEN', 'CUSTOM_ID_TAKEN')
  @HttpCode(201)
  @Anonymous('account:register')
  @RateLimited()
  async register(
    @Body() body: RegisterAccountDto,
    @CurrentCaller() caller: Caller,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Omit<RegisterResult, 'position'>> {
    const command: RegisterCommand = {
      meta,
      caller,
      email: body.email,
      password: body.password,
      profile: profileFieldsOf(body),
      agreements: body.agreements ?? {},
      attributes: body.attributes ?? {},
    };
    const { profileId, status, emailConfirmed, position } = await this.auth.call<RegisterResult>(AuthPatterns.register, command);
    if (position) void reply.header(POSITION_HEADER, position);
    return { profileId, status, emailConfirmed };
  }

  @Post('accounts/confirm')
  @ApiOperation({ summary: 'Confirm an email (or activate an account) with the token from the mail' })
  @ApiNoContentResponse({ description: 'The email is confirmed' })
  @Problems('TOKEN_INVALID')
  @HttpCode(204)
  @OptionalToken()
  @RateLimited()
  async confirm(@Body() body: ConfirmEmailDto, @Meta() meta: RequestMeta): Promise<void> {
    const command: ConfirmEmailCommand = { meta, token: body.token };
    await this.auth.call<unknown>(AuthPatterns.confirmEmail, command);
  }

  /** 202 whether or not the email has an account: the answer must not tell. */
  @Post('accounts/confirm/resend')
  @ApiOperation({ summary: 'Send the confirmation mail again', description: '202 whether or not the email has an account.' })
  @ApiAcceptedResponse({ description: 'Accepted (always the same answer)' })
  @HttpCode(202)
  @Anonymous('account:register')
  @RateLimited()
  async resend(@Body() body: EmailOnlyDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: ResendConfirmationCommand = { meta, caller, email: body.email };
    await this.auth.call<unknown>(AuthPatterns.resendConfirmation, command);
  }

  /** PIN activation: only from the device the PIN was mailed for (its anonymous token). */
  @Post('accounts/activate-pin')
  @ApiOperation({
    summary: 'Activate an account with the mailed 6-digit PIN',
    description: 'Only from the device the PIN was mailed for; 15 minutes, 5 tries.',
  })
  @ApiNoContentResponse({ description: 'The account is active and its email confirmed' })
  @Problems('PIN_INVALID', 'TOO_MANY_ATTEMPTS')
  @HttpCode(204)
  @Anonymous('account:register')
  @RateLimited()
  async activatePin(@Body() body: ActivatePinDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: ActivatePinCommand = { meta, caller, email: body.email, pin: body.pin };
    await this.auth.call<unknown>(AuthPatterns.activatePin, command);
  }

  /** 202 whether or not the email has a pending account: the answer must not tell. */
  @Post('accounts/activate-pin/resend')
  @ApiOperation({ summary: 'Mail a new activation PIN', description: '202 whether or not the email has a pending account.' })
  @ApiAcceptedResponse({ description: 'A new PIN is mailed when there is a pending account' })
  @Problems('TOO_MANY_ATTEMPTS')
  @HttpCode(202)
  @Anonymous('account:register')
  @RateLimited()
  async resendActivationPin(@Body() body: EmailOnlyDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: ResendActivationPinCommand = { meta, caller, email: body.email };
    await this.auth.call<unknown>(AuthPatterns.resendActivationPin, command);
  }

  /** 202 whether or not the email has an account: the answer must not tell. */
  @Post('auth/password-reset')
  @ApiOperation({ summary: 'Ask for a password-reset mail', description: '202 whether or not the email has an account.' })
  @ApiAcceptedResponse({ description: 'Accepted (always the same answer)' })
  @HttpCode(202)
  @Anonymous('password:reset')
  @RateLimited()
  async requestPasswordReset(@Body() body: EmailOnlyDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: RequestPasswordResetCommand = { meta, caller, email: body.email };
    await this.auth.call<unknown>(AuthPatterns.requestPasswordReset, command);
  }

  @Post('auth/password-reset/confirm')
  @ApiOperation({
    summary: 'Set a new password with the token from the reset mail',
    description: 'Every session of the profile is closed.',
  })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @Problems('TOKEN_INVALID', 'PASSWORD_POLICY')
  @HttpCode(204)
  @OptionalToken()
  @RateLimited()
  async confirmPasswordReset(@Body() body: ConfirmPasswordResetDto, @Meta() meta: RequestMeta): Promise<void> {
    const command: ConfirmPasswordResetCommand = { meta, token: body.token, password: body.password };
    // Every session of the profile is closed: revoke the ones auth names at once.
    this.revocations.fromReply(await this.auth.call<unknown>(AuthPatterns.confirmPasswordReset, command));
  }
}
