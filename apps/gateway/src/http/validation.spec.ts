import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Type } from '@nestjs/common';
import { UpdateAccountDto } from '../account/account.dto';
import { RegisterAccountDto } from '../accounts/accounts.dto';
import { WorkspaceSettingsDto } from '../admin/admin.dto';
import { parseProfileLookup, recognizeTarget } from '../backend/backend.dto';
import { CreateAnonymousDto, SignInDto } from '../sessions/sessions.dto';
import { ProblemError } from './problem';
import { createValidationPipe } from './validation';
import { isDeviceUuid, isIsoDate } from './validators';

const pipe = createValidationPipe();

async function validate<T>(dto: Type<T>, body: unknown): Promise<T> {
  return (await pipe.transform(body, { type: 'body', metatype: dto })) as T;
}

async function rejected(dto: Type<unknown>, body: unknown): Promise<ProblemError> {
  try {
    await validate(dto, body);
  } catch (error) {
    assert.ok(error instanceof ProblemError, `expected a ProblemError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(body)} to be rejected`);
}

const fields = (error: ProblemError) => (error.extra.errors ?? []).map((e) => e.field);

describe('request validation', () => {
  it('accepts a full registration and rejects an unknown field', async () => {
    const body = {
      email: 'ada@example.com',
      password: 'Secret-1',
      firstName: 'Ada',
      birthDate: '1815-12-10',
      countryCode: 'GB',
      phone: '+44 20 7946 0958',
      agreements: { email: true, sms: false },
      attributes: { plan: 'pro', tags: ['a'] },
    };
    const dto = await validate(RegisterAccountDto, body);
    assert.ok(dto instanceof RegisterAccountDto);
    assert.equal(dto.email, 'ada@example.com');

    const error = await rejected(RegisterAccountDto, { ...body, isAdmin: true });
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(fields(error), ['isAdmin']);
  });

  it('names each bad field', async () => {
    const error = await rejected(RegisterAccountDto, {
      email: 'not-an-email',
      password: '',
      birthDate: '2023-02-30',
      countryCode: 'GBR',
      agreements: { email: 'yes' },
      attributes: ['not', 'an', 'object'],
    });
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(fields(error).sort(), ['agreements', 'attributes', 'birthDate', 'countryCode', 'email', 'password']);
  });

  it('bounds emails at 254 characters and attributes in size', async () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
    assert.ok(long.length > 254);
    assert.deepEqual(fields(await rejected(SignInDto, { email: long, password: 'x' })), ['email']);
    const big = { blob: 'x'.repeat(20_000) };
    assert.deepEqual(fields(await rejected(RegisterAccountDto, { email: 'a@example.com', password: 'x', attributes: big })), [
      'attributes',
    ]);
  });

  it('takes a v4 or v7 device uuid only', async () => {
    await validate(CreateAnonymousDto, { apiKey: 'k', uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    await validate(CreateAnonymousDto, { apiKey: 'k', uuid: '01936f4e-8c2a-7b3d-9a4e-123456789abc' });
    await validate(CreateAnonymousDto, { apiKey: 'k' });
    for (const uuid of ['6ba7b810-9dad-11d1-80b4-00c04fd430c8', '00000000-0000-0000-0000-000000000000', 'abc', 42, null]) {
      const error = await rejected(CreateAnonymousDto, { apiKey: 'k', uuid });
      assert.deepEqual(fields(error), ['uuid'], `uuid ${String(uuid)}`);
    }
    assert.equal(isDeviceUuid('0F8FAD5B-D9CB-469F-A165-70867728950E'), true);
  });

  it('answers EMAIL_IMMUTABLE for an email in an account update, VALIDATION_FAILED for a password', async () => {
    const email = await rejected(UpdateAccountDto, { email: 'new@example.com', firstName: 'Ada' });
    assert.equal(email.code, 'EMAIL_IMMUTABLE');
    const password = await rejected(UpdateAccountDto, { password: 'Secret-2' });
    assert.equal(password.code, 'VALIDATION_FAILED');
    assert.deepEqual(fields(password), ['password']);
    const both = await rejected(UpdateAccountDto, { email: 'x@example.com', password: 'Secret-2' });
    assert.equal(both.code, 'EMAIL_IMMUTABLE');
    const ok = await validate(UpdateAccountDto, { city: 'London', agreements: { sms: true } });
    assert.equal(ok.city, 'London');
  });

  it('refuses null for an optional field rather than reading it as absent', async () => {
    assert.deepEqual(fields(await rejected(UpdateAccountDto, { firstName: null })), ['firstName']);
  });

  it('validates workspace settings, nested policy included', async () => {
    const error = await rejected(WorkspaceSettingsDto, {
      registrationMode: 'open',
      passwordPolicy: { minLength: 0, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSymbol: true, extra: 1 },
    });
    assert.deepEqual(fields(error).sort(), ['passwordPolicy.extra', 'passwordPolicy.minLength', 'registrationMode']);
    const dto = await validate(WorkspaceSettingsDto, { name: 'Shop', accessTokenTtlSeconds: 900 });
    assert.equal(dto.accessTokenTtlSeconds, 900);
    // A partial policy is merged by auth into the current one.
    const partial = await validate(WorkspaceSettingsDto, { passwordPolicy: { minLength: 10 } });
    assert.equal(partial.passwordPolicy?.minLength, 10);
  });

  it('checks calendar dates', () => {
    assert.equal(isIsoDate('2024-02-29'), true);
    assert.equal(isIsoDate('2023-02-29'), false);
    assert.equal(isIsoDate('2024-2-9'), false);
    assert.equal(isIsoDate('2024-02-29T00:00:00Z'), false);
  });

  it('takes exactly one profile lookup, else BAD_QUERY', () => {
    assert.deepEqual(parseProfileLookup({ email: 'a@example.com' }), { by: 'email', value: 'a@example.com' });
    assert.deepEqual(parseProfileLookup({ uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' }), {
      by: 'uuid',
      value: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    for (const query of [
      {},
      { email: 'a@example.com', customId: 'c1' },
      { email: ['a', 'b'] },
      { email: '' },
      { uuid: 'nope' },
      { name: 'x' },
    ]) {
      assert.throws(
        () => parseProfileLookup(query),
        (e: unknown) => e instanceof ProblemError && e.code === 'BAD_QUERY',
        JSON.stringify(query),
      );
    }
  });

  it('takes exactly one recognition target', () => {
    assert.deepEqual(recognizeTarget({ customId: 'c1' }), { customId: 'c1' });
    assert.throws(() => recognizeTarget({}), ProblemError);
    assert.throws(() => recognizeTarget({ email: 'a@example.com', profileId: 'p' }), ProblemError);
  });
});

describe('unknown fields whatever their name', () => {
  const dtos: [Type<unknown>, Record<string, unknown>][] = [
    [RegisterAccountDto, { email: 'ada@example.com', password: 'Secret-1' }],
    [UpdateAccountDto, { firstName: 'Ada' }],
    [SignInDto, { email: 'ada@example.com', password: 'Secret-1' }],
    [CreateAnonymousDto, { apiKey: 'k' }],
    [WorkspaceSettingsDto, { name: 'Shop' }],
  ];

  // class-transformer drops keys naming a member of the DTO's prototype before the whitelist
  // looks: these got 2xx while any other unknown key got 400.
  for (const key of ['prototype', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    it(`refuses ${key} like any unknown key`, async () => {
      for (const [dto, valid] of dtos) {
        const body = JSON.parse(JSON.stringify(valid).replace(/^\{/, `{"${key}":1,`)) as unknown;
        const error = await rejected(dto, body);
        assert.equal(error.code, 'VALIDATION_FAILED', dto.name);
        assert.deepEqual(fields(error), [key], dto.name);
        assert.equal(error.extra.errors?.[0]?.message, `${key} is not an accepted field`);
      }
    });
  }

  it('refuses a body that is JSON but not an object (null once passed as an empty update)', async () => {
    for (const body of [null, [], 0, 'x', true, [{ firstName: 'Ada' }]]) {
      assert.deepEqual(fields(await rejected(UpdateAccountDto, body)), ['(body)'], JSON.stringify(body));
    }
    await validate(UpdateAccountDto, undefined);
  });

  it('refuses them in a nested DTO too', async () => {
    const error = await rejected(WorkspaceSettingsDto, JSON.parse('{"passwordPolicy":{"toString":1,"minLength":8}}'));
    assert.deepEqual(fields(error), ['passwordPolicy.toString']);
  });
});

describe('control characters', () => {
  it('are refused in single-line fields: names, ids, city, api key', async () => {
    const registration = { email: 'ada@example.com', password: 'Secret-1' };
    for (const [dto, base, field] of [
      [RegisterAccountDto, registration, 'firstName'],
      [RegisterAccountDto, registration, 'customId'],
      [RegisterAccountDto, registration, 'city'],
      [UpdateAccountDto, {}, 'lastName'],
      [CreateAnonymousDto, {}, 'apiKey'],
      [WorkspaceSettingsDto, {}, 'name'],
    ] as const) {
      for (const bad of ['Ada\u001b[31m', 'Ada\nLovelace', 'Ada\u0007', 'Ada\u009b2J', 'Ada\u007f']) {
        const error = await rejected(dto, { ...base, [field]: bad });
        assert.deepEqual(fields(error), [field], `${dto.name}.${field} ${JSON.stringify(bad)}`);
      }
    }
  });

  it('allow line breaks and tabs in the address only, and anything in a password', async () => {
    await validate(RegisterAccountDto, { email: 'ada@example.com', password: 'Se\tcret-1\u001b', address: '12 St James\nLondon\r\n\tSW1' });
    assert.deepEqual(
      fields(await rejected(RegisterAccountDto, { email: 'ada@example.com', password: 'Secret-1', address: 'x\u001b[2J' })),
      ['address'],
    );
  });
});
