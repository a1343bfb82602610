import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalEmail, canonicalEmailOrNull, describeEmailRefusal, type EmailRefusal } from './canonical-email';

const canonical = (raw: string) => {
  const result = canonicalEmail(raw);
  assert.ok(result.ok, `${JSON.stringify(raw)} was refused: ${result.ok ? '' : result.reason}`);
  return result;
};
const refusal = (raw: unknown): EmailRefusal => {
  const result = canonicalEmail(raw);
  assert.ok(!result.ok, `${JSON.stringify(raw)} was accepted as ${result.ok ? result.canonical : ''}`);
  return result.reason;
};

describe('canonicalEmail', () => {
  it('lowercases ASCII in the local part and the domain', () => {
    assert.equal(canonical('Kate.Smith@Example.COM').canonical, 'kate.smith@example.com');
    assert.equal(canonicalEmailOrNull('kate@EXAMPLE.com'), canonicalEmailOrNull('KATE@example.COM'));
  });

  it('refuses the Kelvin sign (and the other characters NFC replaces) rather than folding it onto k', () => {
    assert.equal(refusal('\u212Aate@example.com'), 'non-normalized-character');
    assert.equal(refusal('\u2126mega@example.com'), 'non-normalized-character'); // Ohm sign
    assert.equal(refusal('\u212Bngstrom@example.com'), 'non-normalized-character'); // Ångström sign
    assert.equal(canonical('kate@example.com').canonical, 'kate@example.com');
  });

  it('gives NFD and NFC of one address one canonical form, in NFC', () => {
    const nfc = '\u00e9lodie@example.com';
    const nfd = 'e\u0301lodie@example.com';
    assert.notEqual(nfc, nfd);
    assert.equal(canonical(nfd).canonical, nfc);
    assert.equal(canonical(nfc).canonical, nfc);
  });

  it('keeps non-ASCII letters as they are: no Unicode case folding in the local part', () => {
    assert.notEqual(canonical('\u00c9lodie@example.com').canonical, canonical('\u00e9lodie@example.com').canonical);
    assert.equal(canonical('\u00c9lodie@example.com').canonical, '\u00c9lodie@example.com');
  });

  it('stores internationalised domains as their lowercase A-label', () => {
    assert.equal(canonical('anna@B\u00fccher.DE').canonical, 'anna@xn--bcher-kva.de');
    assert.equal(canonical('anna@xn--bcher-kva.de').canonical, 'anna@xn--bcher-kva.de');
    assert.equal(canonical('anna@bu\u0308cher.de').canonical, 'anna@xn--bcher-kva.de'); // NFD domain
  });

  it('refuses zero-width and other invisible characters, in the local part and in the domain', () => {
    for (const invisible of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E'])
      assert.equal(refusal(`ka${invisible}te@example.com`), 'invisible-character', `U+${invisible.codePointAt(0)!.toString(16)}`);
    assert.equal(refusal('kate@exam\u200Bple.com'), 'invisible-character');
  });

  it('refuses controls, spaces, NUL and private-use characters', () => {
    for (const bad of [
      'ka te@example.com',
      'ka\u0000te@example.com',
      'ka\u001bte@example.com',
      'ka\u00a0te@example.com',
      'ka\ue000te@example.com',
    ])
      assert.equal(refusal(bad), 'forbidden-character', JSON.stringify(bad));
  });

  it('refuses lone surrogates without throwing (a pair is fine)', () => {
    assert.equal(refusal('ka\uD800te@example.com'), 'malformed-unicode');
    assert.equal(refusal('kate@example.com\uDC00'), 'malformed-unicode');
    assert.ok(canonicalEmail('\u{1F600}@example.com').ok);
  });

  it('refuses what is not an address', () => {
    for (const bad of [
      '',
      'kate',
      '@example.com',
      'kate@',
      'kate@localhost',
      'kate@example.123',
      'ka..te@example.com',
      '.kate@example.com',
      'kate@-x.com',
      'kate@x..com',
      'kate@[127.0.0.1]',
    ]) {
      const reason = refusal(bad);
      assert.ok(reason === 'not-an-address' || reason === 'invalid-domain', `${bad}: ${reason}`);
    }
    assert.equal(refusal(42), 'not-a-string');
    assert.equal(refusal(null), 'not-a-string');
  });

  it('refuses very long addresses and local parts over 64 bytes', () => {
    assert.equal(refusal(`${'a'.repeat(64)}@${'b'.repeat(200)}.com`), 'too-long');
    assert.equal(refusal(`${'a'.repeat(10_000)}@example.com`), 'too-long');
    assert.equal(refusal(`${'a'.repeat(65)}@example.com`), 'not-an-address');
    assert.equal(refusal(`${'\u00e9'.repeat(33)}@example.com`), 'not-an-address'); // 66 bytes in UTF-8
    assert.ok(canonicalEmail(`${'a'.repeat(64)}@example.com`).ok);
  });

  it('never throws, whatever the string', () => {
    for (let i = 0; i < 2000; i++) {
      const chars = Array.from({ length: 1 + (i % 40) }, (_, j) => String.fromCharCode((i * 7919 + j * 104_729) % 0x10000));
      const raw = `${chars.join('')}@${i % 2 ? 'example.com' : chars.join('')}`;
      const result = canonicalEmail(raw);
      assert.equal(typeof result.ok, 'boolean');
    }
  });

  it('describes every refusal without echoing the address', () => {
    assert.match(describeEmailRefusal('non-normalized-character'), /Kelvin/);
    assert.doesNotMatch(describeEmailRefusal('invisible-character'), /@/);
  });
});

describe('canonicalEmail: confusable local parts', () => {
  const confusable = (raw: string) => canonical(raw).confusable;

  it('ASCII local parts are never confusable', () => {
    assert.equal(confusable('kate@example.com'), null);
    assert.equal(confusable('o.o-1+x@example.com'), null);
  });

  it('flags a Latin name with one Cyrillic or Greek letter as mixed-script', () => {
    assert.equal(confusable('k\u0430te@example.com'), 'mixed-script'); // Cyrillic а
    assert.equal(confusable('j\u03bfhn@example.com'), 'mixed-script'); // Greek ο
    assert.equal(confusable('p\u0435t\u0435r@example.com'), 'mixed-script'); // Cyrillic е
  });

  it('flags a whole-script look-alike of an ASCII address', () => {
    assert.equal(confusable('\u0430\u0440\u0440\u0435@example.com'), 'ascii-lookalike'); // арре (Cyrillic) = "appe"
    assert.equal(confusable('\u0441\u043e\u0440\u0443@example.com'), 'ascii-lookalike'); // сору (Cyrillic) = "copy"
    assert.equal(confusable('\uff4b\uff41\uff54\uff45@example.com'), 'ascii-lookalike'); // fullwidth ｋａｔｅ
    assert.equal(confusable('\ud835\udc24ate@example.com'), 'ascii-lookalike'); // mathematical bold k + "ate"
    assert.equal(confusable('\u0131van@example.com'), 'ascii-lookalike'); // dotless i
  });

  it('accepts ordinary non-ASCII addresses in one script', () => {
    assert.equal(confusable('\u0438\u0432\u0430\u043d@example.com'), null); // иван
    assert.equal(confusable('\u00e9lodie@example.com'), null);
    assert.equal(confusable('\u7530\u4e2d\u3055\u3093@example.jp'), null); // Han + Hiragana
    assert.equal(confusable('\u0394\u03b7\u03bc\u03ae\u03c4\u03c1\u03b7\u03c2@example.gr'), null); // Δημήτρης
  });
});
