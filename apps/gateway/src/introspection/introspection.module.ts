import { Module } from '@nestjs/common';
import { IntrospectionController } from './introspection.controller';
import { TokenIntrospector } from './token-introspector.service';

/** `POST /v1/backend/tokens/introspect`, answered from the gateway's signing keys and revocation view. */
@Module({ controllers: [IntrospectionController], providers: [TokenIntrospector] })
export class IntrospectionModule {}
