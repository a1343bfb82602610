import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ProblemError, problemOf, statusOf, titleOf, toProblem } from './problem';

describe('problem mapping', () => {
  it('maps a code to its status through the one table, honouring an override', () => {
    assert.equal(statusOf('EMAIL_TAKEN'), 409);
    assert.equal(statusOf('INVALID_CREDENTIALS'), 401);
    assert.equal(statusOf('INVALID_CREDENTIALS', 403), 403, 'a wrong current password on password change');
    assert.equal(statusOf('EMAIL_TAKEN', 200), 409, 'an override outside 4xx/5xx is ignored');
    assert.equal(statusOf('NOT_A_KNOWN_CODE'), 500);
  });

  it('builds an RFC 9457 body with the code, title and field errors', () => {
    const { problem, retryAfter } = problemOf('VALIDATION_FAILED', 'email is required', {
      errors: [{ field: 'email', message: 'email is required' }],
    });
    assert.deepEqual(problem, {
      type: 'urn:idstream:problem:validation-failed',
      title: 'Validation failed',
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'email is required',
      errors: [{ field: 'email', message: 'email is required' }],
    });
    assert.equal(retryAfter, undefined);
    assert.equal(titleOf('TOO_MANY_ATTEMPTS'), 'Too many attempts');
  });

  it('keeps the code, status override and Retry-After of a reply error', () => {
    const mapped = toProblem(ProblemError.fromReply({ code: 'TOO_MANY_ATTEMPTS', message: 'slow down', retryAfter: 12.2 }));
    assert.equal(mapped.problem.status, 429);
    assert.equal(mapped.problem.code, 'TOO_MANY_ATTEMPTS');
    assert.equal(mapped.problem.detail, 'slow down');
    assert.equal(mapped.retryAfter, 13);
    assert.equal(mapped.fault, undefined);
    const overridden = toProblem(ProblemError.fromReply({ code: 'INVALID_CREDENTIALS', message: 'wrong password', status: 403 }));
    assert.equal(overridden.problem.status, 403);
  });

  it('answers 503 with Retry-After for an unavailable service, not as a fault', () => {
    const mapped = toProblem(new ProblemError('SERVICE_UNAVAILABLE', 'auth is down', { retryAfter: 1 }));
    assert.equal(mapped.problem.status, 503);
    assert.equal(mapped.retryAfter, 1);
    assert.equal(mapped.fault, undefined);
  });

  it('maps what Nest and Fastify raise before our code runs', () => {
    assert.equal(toProblem(new NotFoundException('Cannot GET /x')).problem.code, 'NOT_FOUND');
    const tooLarge = new HttpException('Request body is too large', 413, {
      cause: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
    });
    assert.deepEqual([toProblem(tooLarge).problem.status, toProblem(tooLarge).problem.code], [413, 'BODY_TOO_LARGE']);
    const media = new HttpException('Unsupported Media Type', 415);
    assert.equal(toProblem(media).problem.code, 'UNSUPPORTED_MEDIA_TYPE');
    const syntax = Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 });
    assert.deepEqual([toProblem(syntax).problem.status, toProblem(syntax).problem.detail], [400, 'The request body is not valid JSON']);
    assert.equal(toProblem(new BadRequestException('nope')).problem.code, 'VALIDATION_FAILED');
    assert.equal(toProblem(new HttpException('Gone', 410)).problem.status, 410);
  });

  it('answers a bug with a bare 500 and hands the error to the log', () => {
    const bug = new TypeError('cannot read properties of undefined (reading "secret")');
    const mapped = toProblem(bug);
    assert.equal(mapped.problem.status, 500);
    assert.equal(mapped.problem.code, 'INTERNAL');
    assert.equal(mapped.problem.detail, 'Internal server error');
    assert.equal(mapped.fault, bug);
    const internal = toProblem(new ProblemError('INTERNAL', 'auth failed on auth.accounts.register: db password is x'));
    assert.equal(internal.problem.detail, 'Internal server error', 'a 500 never shows its message');
    assert.equal(toProblem(new HttpException('boom', 502)).problem.status, 500);
    assert.equal(toProblem('a thrown string').problem.status, 500);
  });
});
