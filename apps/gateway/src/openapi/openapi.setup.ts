import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument } from './openapi.document';

/**
 * The OpenAPI document at /docs/openapi.json and Swagger UI at /docs, built on first request
 * from the routes Nest knows (openapi.document.ts). Swagger UI shows each operation's summary
 * and builds its sample bodies from the examples of the schemas.
 */
export function setupOpenApi(app: NestFastifyApplication, publicUrl: string): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, publicUrl), {
    jsonDocumentUrl: 'docs/openapi.json',
    raw: ['json'],
    swaggerOptions: { displayOperationId: true, defaultModelsExpandDepth: 1 },
  });
}
