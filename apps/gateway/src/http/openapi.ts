import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI document at /docs/openapi.json and Swagger UI at /docs (ARCHITECTURE §8). Built
 * on first request from the routes Nest knows. Request and response schemas are not in it yet:
 * tsc runs without the @nestjs/swagger compiler plugin and the DTOs carry class-validator
 * decorators only, so adding @ApiProperty (or the plugin) to the DTOs would lift that.
 */
export function setupOpenApi(app: NestFastifyApplication, publicUrl: string): void {
  const config = new DocumentBuilder()
    .setTitle('idstream')
    .setDescription(
      'Customer identity: anonymous clients, accounts, sessions, backend profile API. Errors are application/problem+json with a stable code.',
    )
    .setVersion('1')
    .addServer(publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token (JWT), server key or admin key, by route' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs/openapi.json',
    raw: ['json'],
  });
}
