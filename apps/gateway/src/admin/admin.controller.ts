import { Body, Controller, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import {
  AuthPatterns,
  type CreateWorkspaceCommand,
  type CreateWorkspaceResult,
  type PasswordPolicySettings,
  type RequestMeta,
  type UpdateWorkspaceCommand,
  type WorkspaceSettings,
} from '@idstream/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ProblemError } from '../http/problem';
import { CreateWorkspaceResponse, WorkspaceSettingsResponse } from '../openapi/backend-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { Meta } from '../http/request-context';
import { AuthClient } from '../rpc/rpc.clients';
import { AdminKey } from '../security/access.decorators';
import { WorkspaceSettings as WorkspaceSettingsView } from '../workspaces/workspace-settings.service';
import { WorkspaceSettingsDto } from './admin.dto';

/** Operator routes, with IDSTREAM_ADMIN_KEY. */
@ApiTags('admin')
@Controller('v1/admin/workspaces')
@AdminKey()
export class AdminController {
  constructor(
    @Inject(AuthClient) private readonly auth: AuthClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(WorkspaceSettingsView) private readonly workspaces: WorkspaceSettingsView,
  ) {}

  /** 201 with the keys; the server key is shown this once (auth keeps only its hash). */
  @Post()
  @ApiOperation({ operationId: 'createWorkspace', summary: 'Create a workspace', description: 'The server key is in this answer only.' })
  @ApiCreatedResponse({ type: CreateWorkspaceResponse })
  @HttpCode(201)
  async create(@Body() body: WorkspaceSettingsDto, @Meta() meta: RequestMeta): Promise<CreateWorkspaceResult> {
    const command: CreateWorkspaceCommand = { meta, settings: this.settingsOf(body) };
    const { workspaceId, clientApiKey, serverKey, settings } = await this.auth.call<CreateWorkspaceResult>(
      AuthPatterns.createWorkspace,
      command,
    );
    // Its tokens verify, and its origins hold, through this gateway from the answer on.
    await this.workspaces.refresh();
    return { workspaceId, clientApiKey, serverKey, settings };
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateWorkspace', summary: "Change a workspace's settings" })
  @ApiParam({ name: 'id', description: 'The workspace id', schema: { type: 'string', maxLength: 128 } })
  @ApiOkResponse({ type: WorkspaceSettingsResponse, description: 'The settings now' })
  @Problems('WORKSPACE_NOT_FOUND')
  async update(@Param('id') id: string, @Body() body: WorkspaceSettingsDto, @Meta() meta: RequestMeta): Promise<WorkspaceSettings> {
    if (id.length === 0 || id.length > 128) throw new ProblemError('WORKSPACE_NOT_FOUND', 'No such workspace');
    const command: UpdateWorkspaceCommand = { meta, workspaceId: id, settings: this.settingsOf(body) };
    const settings = await this.auth.call<WorkspaceSettings>(AuthPatterns.updateWorkspace, command);
    await this.workspaces.refresh();
    return settings;
  }

  private settingsOf(body: WorkspaceSettingsDto): Partial<WorkspaceSettings> {
    const max = this.config.maxAccessTokenTtlSeconds;
    if (body.accessTokenTtlSeconds !== undefined && body.accessTokenTtlSeconds > max) {
      const message = `accessTokenTtlSeconds must not be greater than ${max} (MAX_ACCESS_TOKEN_TTL_SECONDS)`;
      throw new ProblemError('VALIDATION_FAILED', message, { errors: [{ field: 'accessTokenTtlSeconds', message }] });
    }
    const settings: Partial<WorkspaceSettings> = {};
    if (body.name !== undefined) settings.name = body.name;
    if (body.registrationMode !== undefined) settings.registrationMode = body.registrationMode;
    if (body.accessTokenTtlSeconds !== undefined) settings.accessTokenTtlSeconds = body.accessTokenTtlSeconds;
    if (body.sessionMaxLifetimeSeconds !== undefined) settings.sessionMaxLifetimeSeconds = body.sessionMaxLifetimeSeconds;
    if (body.emailConfusables !== undefined) settings.emailConfusables = body.emailConfusables;
    if (body.allowedOrigins !== undefined) settings.allowedOrigins = [...body.allowedOrigins];
    // Only the named fields of each provider go on: the DTO validated them, nothing else is stored.
    if (body.identityProviders !== undefined)
      settings.identityProviders = body.identityProviders.map(({ name, issuer, clientIds, jwksUri }) => ({
        name,
        clientIds: [...clientIds],
        ...(issuer !== undefined ? { issuer } : {}),
        ...(jwksUri !== undefined ? { jwksUri } : {}),
      }));
    if (body.requiredAgreements !== undefined) settings.requiredAgreements = [...body.requiredAgreements];
    if (body.tokenAlgorithm !== undefined) settings.tokenAlgorithm = body.tokenAlgorithm;
    if (body.passwordPolicy !== undefined) {
      const policy: Partial<PasswordPolicySettings> = {};
      for (const rule of ['minLength', 'requireUppercase', 'requireLowercase', 'requireDigit', 'requireSymbol'] as const) {
        if (body.passwordPolicy[rule] !== undefined) Object.assign(policy, { [rule]: body.passwordPolicy[rule] });
      }
      // A partial policy: auth merges it into the current one (see workspace.settings.ts in auth).
      settings.passwordPolicy = policy as PasswordPolicySettings;
    }
    return settings;
  }
}
