import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_WORKSPACE_SETTINGS, mergeSettings } from './workspace.settings';

const limits = { maxAccessTokenTtlSeconds: 86_400 };

describe('workspace settings: allowedOrigins', () => {
  it('defaults to none, keeps exact origins once each', () => {
    assert.deepEqual(DEFAULT_WORKSPACE_SETTINGS.allowedOrigins, []);
    const merged = mergeSettings(
      DEFAULT_WORKSPACE_SETTINGS,
      { allowedOrigins: ['https://a.test', 'http://127.0.0.1:5180', 'https://a.test'] },
      limits,
    );
    assert.ok(merged.ok);
    assert.deepEqual(merged.settings.allowedOrigins, ['https://a.test', 'http://127.0.0.1:5180']);
  });

  it('refuses wildcards, paths and anything but a list of origins, naming the field', () => {
    for (const allowedOrigins of [['*'], ['https://a.test/app'], ['null'], 'https://a.test', [42]]) {
      const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, { allowedOrigins } as never, limits);
      assert.equal(merged.ok, false, JSON.stringify(allowedOrigins));
      if (!merged.ok) assert.equal(merged.error.errors?.[0]?.field, 'allowedOrigins');
    }
  });
});

describe('workspace settings: identityProviders', () => {
  it('accepts presets with only client ids and a custom issuer with its own jwksUri', () => {
    const identityProviders = [
      { name: 'google', clientIds: ['g-client'] },
      { name: 'apple', clientIds: ['com.example.app'] },
      { name: 'corp', issuer: 'https://id.corp.test', clientIds: ['a', 'b'], jwksUri: 'https://id.corp.test/keys' },
    ];
    const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, { identityProviders }, limits);
    assert.ok(merged.ok);
    assert.deepEqual(merged.settings.identityProviders, identityProviders);
  });

  it('refuses a custom provider without issuer, no client ids, a duplicate name or a non-URL, naming the field', () => {
    const bad = [
      [{ name: 'corp', clientIds: ['a'] }],
      [{ name: 'google', clientIds: [] }],
      [
        { name: 'google', clientIds: ['a'] },
        { name: 'google', clientIds: ['b'] },
      ],
      [{ name: 'corp', issuer: 'not a url', clientIds: ['a'] }],
      [{ name: 'Corp Inc', issuer: 'https://id.corp.test', clientIds: ['a'] }],
      'google',
    ];
    for (const identityProviders of bad) {
      const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, { identityProviders } as never, limits);
      assert.equal(merged.ok, false, JSON.stringify(identityProviders));
      if (!merged.ok) assert.equal(merged.error.errors?.[0]?.field, 'identityProviders');
    }
  });
});

describe('workspace settings: tokenAlgorithm', () => {
  it('defaults to EdDSA and takes ES256 or RS256', () => {
    assert.equal(DEFAULT_WORKSPACE_SETTINGS.tokenAlgorithm, 'EdDSA');
    for (const tokenAlgorithm of ['ES256', 'RS256', 'EdDSA'] as const) {
      const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, { tokenAlgorithm }, limits);
      assert.equal(merged.ok && merged.settings.tokenAlgorithm, tokenAlgorithm);
    }
  });

  it('refuses none, HS256 and anything else, naming the field', () => {
    for (const bad of ['none', 'HS256', 'es256', '', null, 42]) {
      const merged = mergeSettings(DEFAULT_WORKSPACE_SETTINGS, { tokenAlgorithm: bad as never }, limits);
      assert.equal(merged.ok, false, String(bad));
      if (!merged.ok)
        assert.deepEqual(
          merged.error.errors?.map((e) => e.field),
          ['tokenAlgorithm'],
        );
    }
  });
});
