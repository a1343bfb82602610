import { Body, Controller, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import {
  AuthPatterns,
  type AccountView,
  type Caller,
  type ChangePasswordCommand,
  type ConfirmEmailChangeCommand,
  type GetAccountQuery,
  type RequestEmailChangeCommand,
  type RequestMeta,
  type UpdateAccountCommand,
} from '@idstream/contracts';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { CurrentCaller, Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { Customer, OptionalToken, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import { ChangePasswordDto, ConfirmEmailChangeDto, RequestEmailChangeDto, UpdateAccountDto } from './account.dto';

/** The signed-in customer's own account. Answered by auth from its write model (read-your-writes). */
@Controller('v1/account')
export class AccountController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  @Get()
  @Customer('account:read')
  async get(@CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<AccountView> {
    const query: GetAccountQuery = { meta, caller };
    return withoutInternals(await this.auth.call<AccountView>(AuthPatterns.getAccount, query));
  }

  @Patch()
  @Customer('account:write')
  async update(@Body() body: UpdateAccountDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<AccountView> {
    const command: UpdateAccountCommand = {
      meta,
      caller,
      changes: profileFieldsOf(body),
      agreements: body.agreements,
      attributes: body.attributes,
    };
    return withoutInternals(await this.auth.call<AccountView>(AuthPatterns.updateAccount, command));
  }

  @Post('password')
  @HttpCode(204)
  @Customer('password:change')
  async changePassword(@Body() body: ChangePasswordDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: ChangePasswordCommand = { meta, caller, currentPassword: body.currentPassword, newPassword: body.newPassword };
    // The other sessions of the profile are closed: revoke the ones auth names at once.
    this.revocations.fromReply(await this.auth.call<unknown>(AuthPatterns.changePassword, command));
  }

  /** 202 whether the new email is free or taken: the answer must not tell. */
  @Post('email-change')
  @HttpCode(202)
  @Customer('account:write')
  async requestEmailChange(@Body() body: RequestEmailChangeDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: RequestEmailChangeCommand = { meta, caller, newEmail: body.newEmail, password: body.password };
    await this.auth.call<unknown>(AuthPatterns.requestEmailChange, command);
  }

  /** The token alone says whose email changes: a customer token is allowed, none is needed. */
  @Post('email-change/confirm')
  @HttpCode(204)
  @OptionalToken()
  @RateLimited()
  async confirmEmailChange(@Body() body: ConfirmEmailChangeDto, @Meta() meta: RequestMeta): Promise<void> {
    const command: ConfirmEmailChangeCommand = {
      meta,
      token: body.token,
      ...(body.newsletterAgreement === undefined ? {} : { newsletterAgreement: body.newsletterAgreement }),
    };
    await this.auth.call<unknown>(AuthPatterns.confirmEmailChange, command);
  }
}

/** Replies may carry fields meant for the gateway (a position, closed sessions): not for clients. */
function withoutInternals(account: AccountView): AccountView {
  const {
    position: _position,
    closedSessions: _closed,
    ...view
  } = account as AccountView & { position?: unknown; closedSessions?: unknown };
  return view;
}
