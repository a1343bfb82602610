import { Body, Controller, Delete, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import {
  AuthPatterns,
  type AccountView,
  type Caller,
  type ChangePasswordCommand,
  type DeleteAccountCommand,
  type ConfirmEmailChangeCommand,
  type GetAccountQuery,
  type RequestEmailChangeCommand,
  type RequestMeta,
  type UpdateAccountCommand,
} from '@idstream/contracts';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { AccountResponse } from '../openapi/client-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { CurrentCaller, Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { Customer, OptionalToken, RateLimited } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import {
  ChangePasswordDto,
  ConfirmEmailChangeDto,
  DeleteAccountDto,
  ownerProofOf,
  RequestEmailChangeDto,
  UpdateAccountDto,
} from './account.dto';

/** The signed-in customer's own account. Answered by auth from its write model (read-your-writes). */
@ApiTags('account')
@Controller('v1/account')
export class AccountController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getAccount', summary: "Read the signed-in customer's account", description: 'Never any password data.' })
  @ApiOkResponse({ type: AccountResponse })
  @Customer('account:read')
  async get(@CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<AccountView> {
    const query: GetAccountQuery = { meta, caller };
    return withoutInternals(await this.auth.call<AccountView>(AuthPatterns.getAccount, query));
  }

  @Patch()
  @ApiOperation({
    operationId: 'updateAccount',
    summary: 'Update the account',
    description: 'Any account field but `email` (EMAIL_IMMUTABLE) and `password`.',
  })
  @ApiOkResponse({ type: AccountResponse, description: 'The updated account' })
  @Problems('EMAIL_IMMUTABLE')
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
  @ApiOperation({ summary: 'Change the password', description: 'The other sessions of the profile are closed.' })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @Problems(['INVALID_CREDENTIALS', 403], 'PASSWORD_POLICY', 'TOO_MANY_ATTEMPTS')
  @HttpCode(204)
  @Customer('password:change')
  async changePassword(@Body() body: ChangePasswordDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: ChangePasswordCommand = { meta, caller, currentPassword: body.currentPassword, newPassword: body.newPassword };
    // The other sessions of the profile are closed: revoke the ones auth names at once.
    this.revocations.fromReply(await this.auth.call<unknown>(AuthPatterns.changePassword, command));
  }

  /** deleteAccount: the password (or a fresh ID token of the linked provider), then the backend's erasure; every session closes (reason `account-deleted`). */
  @Delete()
  @ApiOperation({
    summary: 'Delete the account (deleteAccount)',
    description:
      'The password, or for a profile with a linked external identity `externalToken` (a fresh ID token of that provider, at most 5 minutes old; exactly one of the two), then the same erasure as the backend; every session closes with reason `account-deleted`.',
  })
  @ApiAcceptedResponse({ description: 'The erasure is recorded' })
  @Problems(['INVALID_CREDENTIALS', 403], 'TOO_MANY_ATTEMPTS', 'PROVIDER_UNAVAILABLE')
  @HttpCode(202)
  @Customer('account:write')
  async delete(@Body() body: DeleteAccountDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: DeleteAccountCommand = { meta, caller, ...ownerProofOf(body) };
    this.revocations.fromReply(await this.auth.call<unknown>(AuthPatterns.deleteAccount, command));
  }

  /** 202 whether the new email is free or taken: the answer must not tell. */
  @Post('email-change')
  @ApiOperation({
    summary: 'Ask to change the email (requestEmailChange)',
    description:
      'The password, or for a profile with a linked external identity `externalToken` (a fresh ID token of that provider; exactly one of the two). The same 202 whether the new email is free or taken; a token goes to the new address, a notice to the current one.',
  })
  @ApiAcceptedResponse({ description: 'Accepted' })
  @Problems(['INVALID_CREDENTIALS', 403], 'TOO_MANY_ATTEMPTS', 'PROVIDER_UNAVAILABLE')
  @HttpCode(202)
  @Customer('account:write')
  async requestEmailChange(@Body() body: RequestEmailChangeDto, @CurrentCaller() caller: Caller, @Meta() meta: RequestMeta): Promise<void> {
    const command: RequestEmailChangeCommand = { meta, caller, newEmail: body.newEmail, ...ownerProofOf(body) };
    await this.auth.call<unknown>(AuthPatterns.requestEmailChange, command);
  }

  /** The token alone says whose email changes: a customer token is allowed, none is needed. */
  @Post('email-change/confirm')
  @ApiOperation({ summary: 'Confirm an email change with the mailed token (confirmEmailChange)' })
  @ApiNoContentResponse({ description: 'The email is changed and confirmed' })
  @Problems('TOKEN_INVALID', 'EMAIL_TAKEN')
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
