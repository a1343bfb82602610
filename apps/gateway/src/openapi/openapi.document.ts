import { STATUS_CODES } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorCodes, type ErrorCode } from '@idstream/contracts';
import { problemOf } from '../http/problem';
import type { Access } from '../security/access';
import { ACCESS_EXTENSION, PROBLEMS_EXTENSION, RATE_LIMITED_EXTENSION, type ProblemAt } from './openapi.decorators';
import { ProblemSchema } from './problem.schema';
import { TrackingBatchSchema, TrackingEventSchema } from './tracking.schema';

/** The security schemes, one per credential (API.md); the client API key travels in the body and has none. */
const SECURITY_SCHEMES = {
  anonymousToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token of role `anonymous`, from `POST /v1/auth/anonymous` (the client API key in the body).',
  },
  customerToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token of role `customer`, from `POST /v1/auth/sign-in`.',
  },
  serverKey: { type: 'http', scheme: 'bearer', description: "The workspace's secret server key (the customer's own servers only)." },
  adminKey: { type: 'http', scheme: 'bearer', description: 'The operator key set by IDSTREAM_ADMIN_KEY.' },
} as const;

type Operation = Record<string, unknown> & { responses: Record<string, Record<string, unknown>>; requestBody?: unknown };

function securityOf(rule: Access): Record<string, string[]>[] {
  switch (rule.kind) {
    case 'public':
      return [];
    case 'server-key':
      return [{ serverKey: [] }];
    case 'admin-key':
      return [{ adminKey: [] }];
    case 'token': {
      // OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs: here the token's scope.
      const scopes = rule.scope === undefined ? [] : [rule.scope];
      const tokens = rule.roles.map((role) => ({ [role === 'anonymous' ? 'anonymousToken' : 'customerToken']: scopes }));
      return rule.optional ? [{}, ...tokens] : tokens;
    }
  }
}

/** The codes the guard itself answers for a rule (access.guard.ts, token-verifier.service.ts, server-keys.service.ts). */
function accessProblems(rule: Access): ErrorCode[] {
  switch (rule.kind) {
    case 'public':
      return [];
    case 'server-key':
      return ['UNAUTHORIZED', 'FORBIDDEN', 'SERVICE_UNAVAILABLE'];
    case 'admin-key':
      return ['UNAUTHORIZED', 'ADMIN_DISABLED', 'SERVICE_UNAVAILABLE'];
    case 'token': {
      const codes: ErrorCode[] = ['UNAUTHORIZED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'SERVICE_UNAVAILABLE'];
      if (rule.roles.length === 1) codes.push('FORBIDDEN');
      if (rule.scope !== undefined) codes.push('INSUFFICIENT_SCOPE');
      return codes;
    }
  }
}

/** Every code a JSON body can be refused with before the controller runs (input inspection, the pipe, Fastify). */
const BODY_PROBLEMS: ErrorCode[] = ['VALIDATION_FAILED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

function problemResponses(codes: ProblemAt[]): Record<string, Record<string, unknown>> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const entry of codes) {
    const [code, status] = typeof entry === 'string' ? [entry, ErrorCodes[entry]] : entry;
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  const responses: Record<string, Record<string, unknown>> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `${STATUS_CODES[status] ?? 'Error'}: ${list.join(', ')}`,
      content: {
        'application/problem+json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/ProblemSchema' },
              { type: 'object', properties: { code: { type: 'string', enum: list } } },
            ],
          },
          examples: Object.fromEntries(
            list.map((code) => {
              const { problem } = problemOf(code, problemOf(code, '').problem.title, { status });
              return [code, { summary: problem.title, value: problem }];
            }),
          ),
        },
      },
    };
  }
  return responses;
}

/**
 * Completes one operation from what its route declared: security from the access rule (the
 * guard's own rule), then one problem+json response per status with the codes of the rule, of
 * the rate limit, of the body and of the route; the private x-idstream extensions are removed.
 */
function completeOperation(operation: Operation): void {
  const rule = operation[ACCESS_EXTENSION] as Access | undefined;
  const rateLimited = operation[RATE_LIMITED_EXTENSION] === true;
  const routeCodes = (operation[PROBLEMS_EXTENSION] as ProblemAt[] | undefined) ?? [];
  delete operation[ACCESS_EXTENSION];
  delete operation[RATE_LIMITED_EXTENSION];
  delete operation[PROBLEMS_EXTENSION];
  operation.security = rule ? securityOf(rule) : [];
  const codes: ProblemAt[] = [
    ...(rateLimited ? (['RATE_LIMITED'] as const) : []),
    ...(operation.requestBody ? BODY_PROBLEMS : []),
    ...(rule ? accessProblems(rule) : []),
    ...routeCodes,
  ];
  Object.assign(operation.responses, problemResponses(codes));
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * The OpenAPI 3.1 document of the gateway, from the routes and the decorators of the code (the
 * one source: validators.ts for request fields, access.decorators.ts for security and auth
 * errors, @Problems for the rest). Served at /docs/openapi.json and exported to docs/openapi.json.
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('idstream')
    .setDescription(
      'Customer identity: anonymous clients, accounts, sessions, tracking events, the backend profile API and workspace administration. ' +
        'Errors are application/problem+json (RFC 9457) with a stable `code`; every response carries `x-request-id`.',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(serverUrl)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemSchema, TrackingEventSchema, TrackingBatchSchema],
    operationIdFactory: (_controller, method) => method,
  });
  document.components = { ...document.components, securitySchemes: { ...SECURITY_SCHEMES } };
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method] as Operation | undefined;
      if (operation) completeOperation(operation);
    }
  }
  return document;
}
