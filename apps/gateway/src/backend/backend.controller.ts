import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  AuthPatterns,
  POSITION_HEADER,
  ProjectorPatterns,
  parsePosition,
  type EraseProfileCommand,
  type EraseProfileResult,
  type FindProfilesQuery,
  type GetProfileQuery,
  type ImportProfileCommand,
  type ImportProfileResult,
  type RecognizeClientCommand,
  type RecognizeClientResult,
  type RequestMeta,
  type RevokeSessionsCommand,
} from '@idstream/contracts';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemError } from '../http/problem';
import { ProfileIdResponse, ProfileListResponse, ProfileResponse, RecognizeResponse } from '../openapi/backend-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { Meta, Workspace } from '../http/request-context';
import { AuthClient, ProjectorClient } from '../rpc/rpc.clients';
import { ServerKey } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import {
  ImportProfileDto,
  RecognizeClientDto,
  ProfileLookupQuery,
  RevokeSessionsDto,
  parseProfileLookup,
  recognizeTarget,
  requireIdentifier,
  requireUuidParam,
} from './backend.dto';

const WRITE_POSITION = {
  description: 'The position of the write: send it back on a query to read your own write',
  schema: { type: 'string' as const, example: '0193a5c2-7e1f-7b3c-9d2e-5f6a7b8c9d0e:3' },
};
const READ_POSITION = {
  name: POSITION_HEADER,
  required: false,
  description: 'A position from a write response: the query waits (bounded) until the projector has applied it',
  schema: { type: 'string' as const },
};

/**
 * The customer's own servers, with the workspace's server key. Writes go to auth and answer
 * the position of their last event in x-idstream-position; queries go to the projector and,
 * given that header back, wait until the projector has applied it (read-your-writes).
 */
@ApiTags('backend')
@Controller('v1/backend')
@ServerKey()
export class BackendController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(ProjectorClient) private readonly projector: ProjectorClient,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  /** 201 when the profile was created, 200 with the existing id when the email/customId matched (upsert). */
  @Post('profiles')
  @ApiOperation({ summary: 'Import (upsert) a customer profile by email or customId' })
  @ApiCreatedResponse({ type: ProfileIdResponse, description: 'The profile was created', headers: { [POSITION_HEADER]: WRITE_POSITION } })
  @ApiOkResponse({
    type: ProfileIdResponse,
    description: 'A profile with this email or customId exists: its id',
    headers: { [POSITION_HEADER]: WRITE_POSITION },
  })
  @Problems('EMAIL_NOT_CONFIRMED', 'CUSTOM_ID_TAKEN', 'EMAIL_TAKEN')
  async importProfile(
    @Body() body: ImportProfileDto,
    @Workspace() workspaceId: string,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ profileId: string }> {
    requireIdentifier(body);
    const command: ImportProfileCommand = {
      meta,
      workspaceId,
      email: body.email,
      profile: profileFieldsOf(body),
      attributes: body.attributes ?? {},
    };
    const result = await this.auth.call<ImportProfileResult>(AuthPatterns.importProfile, command);
    void reply.status(result.created ? 201 : 200).header(POSITION_HEADER, result.position);
    return { profileId: result.profileId };
  }

  @Post('clients/:uuid/recognize')
  @ApiOperation({
    summary: 'Link a device to a customer',
    description: "Found by exactly one of email, customId and profileId; the device's anonymous history then belongs to the profile.",
  })
  @ApiParam({ name: 'uuid', description: 'The device uuid', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: RecognizeResponse, headers: { [POSITION_HEADER]: WRITE_POSITION } })
  @Problems('PROFILE_NOT_FOUND', 'EMAIL_NOT_CONFIRMED')
  @HttpCode(200)
  async recognize(
    @Param('uuid') uuid: string,
    @Body() body: RecognizeClientDto,
    @Workspace() workspaceId: string,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ profileId: string; uuid: string }> {
    const command: RecognizeClientCommand = { meta, workspaceId, uuid: requireUuidParam(uuid, 'uuid'), ...recognizeTarget(body) };
    const result = await this.auth.call<RecognizeClientResult>(AuthPatterns.recognizeClient, command);
    void reply.header(POSITION_HEADER, result.position);
    return { profileId: result.profileId, uuid: result.uuid };
  }

  @Delete('profiles/:profileId')
  @ApiOperation({ summary: 'Erase a profile', description: 'Personal data erased from the read models, every session closed.' })
  @ApiParam({ name: 'profileId', schema: { type: 'string', maxLength: 128 } })
  @ApiAcceptedResponse({ description: 'The erasure is recorded', headers: { [POSITION_HEADER]: WRITE_POSITION } })
  @Problems('PROFILE_NOT_FOUND')
  @HttpCode(202)
  async erase(
    @Param('profileId') profileId: string,
    @Workspace() workspaceId: string,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const command: EraseProfileCommand = { meta, workspaceId, profileId: boundedId(profileId) };
    const result = await this.auth.call<EraseProfileResult>(AuthPatterns.eraseProfile, command);
    this.revocations.fromReply(result);
    void reply.header(POSITION_HEADER, result.position);
  }

  /**
   * Closes every session of the profile (reason `admin`). The body's `reason` is an operator's
   * note, accepted for compatibility and not stored: free text could carry personal data.
   */
  @Post('profiles/:profileId/sessions/revoke')
  @ApiOperation({ summary: 'Close every session of a profile (reason `admin`)' })
  @ApiParam({ name: 'profileId', schema: { type: 'string', maxLength: 128 } })
  @ApiNoContentResponse({ description: 'Every session is closed' })
  @Problems('PROFILE_NOT_FOUND')
  @HttpCode(204)
  async revokeSessions(
    @Param('profileId') profileId: string,
    @Body() _body: RevokeSessionsDto,
    @Workspace() workspaceId: string,
    @Meta() meta: RequestMeta,
  ): Promise<void> {
    const command: RevokeSessionsCommand = { meta, workspaceId, profileId: boundedId(profileId) };
    this.revocations.fromReply(await this.auth.call<unknown>(AuthPatterns.revokeSessions, command));
  }

  @Get('profiles/:profileId')
  @ApiOperation({ summary: 'Read a profile', description: 'The read model, with the linked device uuids.' })
  @ApiParam({ name: 'profileId', schema: { type: 'string', maxLength: 128 } })
  @ApiHeader(READ_POSITION)
  @ApiOkResponse({ type: ProfileResponse })
  @Problems('PROFILE_NOT_FOUND', 'BAD_QUERY', 'CONSISTENCY_TIMEOUT')
  async getProfile(
    @Param('profileId') profileId: string,
    @Workspace() workspaceId: string,
    @Headers(POSITION_HEADER) position: string | undefined,
  ): Promise<unknown> {
    const query: GetProfileQuery = { workspaceId, profileId: boundedId(profileId), minPosition: minPosition(position) };
    return this.projector.call<unknown>(ProjectorPatterns.getProfile, query);
  }

  @Get('profiles')
  @ApiOperation({ summary: 'Find profiles by email, customId or device uuid', description: 'Exactly one of the query parameters.' })
  @ProfileLookupQuery()
  @ApiHeader(READ_POSITION)
  @ApiOkResponse({ type: ProfileListResponse })
  @Problems('BAD_QUERY', 'CONSISTENCY_TIMEOUT')
  async findProfiles(
    @Query() params: Record<string, unknown>,
    @Workspace() workspaceId: string,
    @Headers(POSITION_HEADER) position: string | undefined,
  ): Promise<{ items: unknown[] }> {
    const query: FindProfilesQuery = { workspaceId, ...parseProfileLookup(params), minPosition: minPosition(position) };
    const found = await this.projector.call<unknown>(ProjectorPatterns.findProfiles, query);
    return Array.isArray(found) ? { items: found } : (found as { items: unknown[] });
  }
}

/** An id longer than any we issue cannot name a profile: 404 without asking anyone. */
function boundedId(profileId: string): string {
  if (profileId.length === 0 || profileId.length > 128) throw new ProblemError('PROFILE_NOT_FOUND', 'No such profile');
  return profileId;
}

function minPosition(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (header.length > 256 || parsePosition(header) === null) {
    throw new ProblemError('BAD_QUERY', `${POSITION_HEADER} must be a position from a write response (<aggregateId>:<sequence>)`);
  }
  return header;
}
