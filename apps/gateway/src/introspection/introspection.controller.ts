import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Workspace } from '../http/request-context';
import { IntrospectionResponse } from '../openapi/backend-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { ServerKey } from '../security/access.decorators';
import { IntrospectTokenDto } from './introspection.dto';
import type { Introspection } from './token-introspection';
import { TokenIntrospector } from './token-introspector.service';

/** Token introspection (RFC 7662 shape) for the customer's backend, with the workspace's server key. */
@ApiTags('backend')
@Controller('v1/backend/tokens')
@ServerKey()
export class IntrospectionController {
  constructor(@Inject(TokenIntrospector) private readonly introspector: TokenIntrospector) {}

  @Post('introspect')
  @HttpCode(200)
  @ApiOperation({ summary: 'Introspect an access token (RFC 7662): is it active, and whose is it' })
  @ApiOkResponse({ type: IntrospectionResponse, description: '`{ active: true, ...claims }` or `{ active: false }`' })
  @Problems('VALIDATION_FAILED')
  introspect(@Body() body: IntrospectTokenDto, @Workspace() workspaceId: string): Promise<Introspection> {
    return this.introspector.introspect(body.token, workspaceId);
  }
}
