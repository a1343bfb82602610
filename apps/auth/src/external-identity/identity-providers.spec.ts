import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveProvider } from './identity-providers';

describe('resolveProvider', () => {
  const providers = [
    { name: 'google', clientIds: ['g'] },
    { name: 'corp', issuer: 'https://id.corp.test', clientIds: ['c'], jwksUri: 'https://id.corp.test/keys' },
  ];

  it('fills in a preset issuer and discovery, keeps a custom one as configured', () => {
    assert.deepEqual(resolveProvider(providers, 'google'), {
      name: 'google',
      issuer: 'https://accounts.google.com',
      clientIds: ['g'],
      jwksUri: null,
    });
    assert.deepEqual(resolveProvider(providers, 'corp'), {
      name: 'corp',
      issuer: 'https://id.corp.test',
      clientIds: ['c'],
      jwksUri: 'https://id.corp.test/keys',
    });
  });

  it('knows no provider the workspace does not configure, presets included', () => {
    assert.equal(resolveProvider(providers, 'apple'), null);
    assert.equal(resolveProvider(undefined, 'google'), null);
  });
});
