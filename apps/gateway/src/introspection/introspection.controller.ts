import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { Workspace } from '../http/request-context';
import { ServerKey } from '../security/access.decorators';
import { IntrospectTokenDto } from './introspection.dto';
import type { Introspection } from './token-introspection';
import { TokenIntrospector } from './token-introspector.service';

/** Token introspection (RFC 7662 shape) for the customer's backend, with the workspace's server key. */
@Controller('v1/backend/tokens')
@ServerKey()
export class IntrospectionController {
  constructor(@Inject(TokenIntrospector) private readonly introspector: TokenIntrospector) {}

  @Post('introspect')
  @HttpCode(200)
  introspect(@Body() body: IntrospectTokenDto, @Workspace() workspaceId: string): Promise<Introspection> {
    return this.introspector.introspect(body.token, workspaceId);
  }
}
