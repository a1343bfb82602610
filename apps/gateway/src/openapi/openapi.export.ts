import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { GatewayModule } from '../gateway.module';
import { buildOpenApiDocument } from './openapi.document';

/** The server the checked-in document names: the gateway's default PUBLIC_URL (served documents name the configured one). */
export const EXPORTED_SERVER_URL = 'http://127.0.0.1:3000';

/**
 * The document of docs/openapi.json, without starting anything: Nest's preview mode reads the
 * modules, controllers and decorators but instantiates no provider (no Kafka, no TCP clients).
 */
export async function exportOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app, EXPORTED_SERVER_URL);
  } finally {
    await app.close();
  }
}

/** The text of docs/openapi.json for a document: stable key order as built, two-space indent, a final newline. */
export function openApiText(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
