import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EDGE_INPUT_BOUNDS, forbiddenCharacterIn, hasControlCharacter, inspectInput } from './input-inspection';

describe('inspectInput', () => {
  it('passes ordinary JSON, emoji and non-Latin text', () => {
    assert.equal(inspectInput({ firstName: 'Zoë 👩‍💻', attributes: { tags: ['a', 'b'], n: 1, ok: true, none: null }, city: '東京' }), null);
  });

  it('refuses NUL, lone surrogates and non-characters anywhere, naming the field', () => {
    assert.deepEqual(inspectInput({ firstName: 'ab\u0000cd' }), {
      field: 'firstName',
      message: 'firstName must not contain a NUL character',
    });
    assert.equal(inspectInput({ attributes: { a: ['x', '\uD800'] } })?.field, 'attributes.a[1]');
    assert.equal(inspectInput({ a: 'x\uDC00' })?.message, 'a must not contain a lone UTF-16 surrogate');
    assert.equal(inspectInput({ a: '\uFDD0' })?.message, 'a must not contain a Unicode non-character');
    assert.equal(inspectInput({ a: '\uFFFE' })?.message, 'a must not contain a Unicode non-character');
    assert.equal(inspectInput({ a: '\uD83F\uDFFF' })?.message, 'a must not contain a Unicode non-character'); // U+1FFFF
    assert.equal(inspectInput('ab\u0000', 'path.uuid')?.field, 'path.uuid');
  });

  it('refuses the same characters in keys', () => {
    assert.equal(inspectInput({ attributes: { 'a\u0000': 1 } })?.field, 'attributes');
    assert.equal(inspectInput({ attributes: { 'a\u001b[31m': 1 } })?.field, 'attributes');
  });

  it('refuses keys that reach into Object.prototype, at any depth', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']) {
      const body = JSON.parse(`{"email":"a@b.co","attributes":{"x":{"${key}":1}}}`) as unknown;
      assert.deepEqual(inspectInput(body), { field: `attributes.x.${key}`, message: `attributes.x.${key} is not an accepted field` });
      assert.equal(inspectInput(JSON.parse(`{"${key}":1}`))?.message, `${key} is not an accepted field`);
    }
  });

  it('bounds depth without recursion, even a million levels deep', () => {
    // attributes nest 5 levels (attributes, a, b, c, d): 6 from the body.
    const atLimit = { attributes: { a: { b: { c: { d: { e: 'x' } } } } } };
    assert.equal(inspectInput(atLimit), null);
    assert.match(inspectInput({ attributes: { a: { b: { c: { d: { e: { f: 'x' } } } } } } })!.message, /deeper than 6/);
    let deep: unknown = 'x';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.match(inspectInput({ deep })!.message, /deeper than/);
  });

  it('bounds keys per object, keys in all, array length and string length', () => {
    const wide = Object.fromEntries(Array.from({ length: EDGE_INPUT_BOUNDS.maxKeysPerObject + 1 }, (_, i) => [`k${i}`, i]));
    assert.match(inspectInput({ attributes: wide })!.message, /at most 100 keys/);
    const many = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`o${i}`, Object.fromEntries(Array.from({ length: 60 }, (_, j) => [`k${j}`, j]))]),
    );
    assert.match(inspectInput(many)!.message, /in all/);
    assert.match(inspectInput({ a: new Array(257).fill(1) })!.message, /256 items/);
    assert.match(inspectInput({ a: 'x'.repeat(16_385) })!.message, /16384 characters/);
    assert.match(inspectInput({ ['k'.repeat(257)]: 1 })!.message, /key/);
  });

  it('refuses numbers JSON cannot carry back (1e999 parses as Infinity)', () => {
    assert.equal(inspectInput(JSON.parse('{"a":1e999}'))?.message, 'a must be a finite number');
  });
});

describe('character classes', () => {
  it('finds nothing in well-formed text, including astral characters', () => {
    assert.equal(forbiddenCharacterIn('plain, ünïcödé, 𝄞, 🙂'), null);
  });

  it('sees C0, DEL and C1 controls, and line breaks only where they are not allowed', () => {
    assert.equal(hasControlCharacter('Ada'), false);
    assert.equal(hasControlCharacter('A\u001b[2Jda'), true);
    assert.equal(hasControlCharacter('A\u007fda'), true);
    assert.equal(hasControlCharacter('A\u0085da'), true);
    assert.equal(hasControlCharacter('line\nbreak'), true);
    assert.equal(hasControlCharacter('line\r\nbreak\t', true), false);
    assert.equal(hasControlCharacter('line\u001bbreak', true), true);
  });
});
