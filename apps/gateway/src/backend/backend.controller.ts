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
import { ProblemError } from '../http/problem';
import { profileFieldsOf } from '../http/profile-fields.dto';
import { Meta, Workspace } from '../http/request-context';
import { AuthClient, ProjectorClient } from '../rpc/rpc.clients';
import { ServerKey } from '../security/access.decorators';
import { Revocations } from '../security/revocations.service';
import {
  ImportProfileDto,
  RecognizeClientDto,
  RevokeSessionsDto,
  parseProfileLookup,
  recognizeTarget,
  requireIdentifier,
  requireUuidParam,
} from './backend.dto';

/**
 * The customer's own servers, with the workspace's server key. Writes go to auth and answer
 * the position of their last event in x-idstream-position; queries go to the projector and,
 * given that header back, wait until the projector has applied it (read-your-writes).
 */
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
  async getProfile(
    @Param('profileId') profileId: string,
    @Workspace() workspaceId: string,
    @Headers(POSITION_HEADER) position: string | undefined,
  ): Promise<unknown> {
    const query: GetProfileQuery = { workspaceId, profileId: boundedId(profileId), minPosition: minPosition(position) };
    return this.projector.call<unknown>(ProjectorPatterns.getProfile, query);
  }

  @Get('profiles')
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
