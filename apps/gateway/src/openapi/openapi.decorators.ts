import { ApiExtension } from '@nestjs/swagger';
import type { ErrorCode } from '@idstream/contracts';

/** Where the document builder (openapi.document.ts) finds what a route declared; removed from the published document. */
export const PROBLEMS_EXTENSION = 'x-idstream-problems';
export const ACCESS_EXTENSION = 'x-idstream-access';
export const RATE_LIMITED_EXTENSION = 'x-idstream-rate-limited';

/** A code answered with a status other than its default in ErrorCodes (API.md says where). */
export type ProblemAt = ErrorCode | [ErrorCode, number];

/**
 * The error codes a route answers beyond those its access rule and body imply (added by the
 * document builder). Statuses come from the one table, ErrorCodes, unless given.
 */
export const Problems = (...codes: ProblemAt[]): MethodDecorator => ApiExtension(PROBLEMS_EXTENSION, codes);
