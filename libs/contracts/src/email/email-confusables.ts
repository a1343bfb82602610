/*
 * Confusable and mixed-script local parts (UTS #39, approximated). Pure, no dependency.
 *
 * Compromise: the full UTS #39 `confusables.txt` (about 6,500 mappings) is not shipped: the npm
 * package that carries a table (`confusables`) is a hand-made profanity list that also folds
 * accents (é → e), which UTS #39 does not. We check instead (1) a single script per local part,
 * with UTS #39's Han combinations allowed, and (2) whether the local part, mapped through NFKC
 * (fullwidth, mathematical and ligature forms) and the table below (the Cyrillic, Greek,
 * Armenian and Latin-extension letters that look like ASCII letters), becomes a pure-ASCII
 * string: then it impersonates an ASCII address. Shipping confusables.txt as generated data
 * would lift this to real skeletons.
 */

export type EmailConfusable = 'mixed-script' | 'ascii-lookalike';

/**
 * Each ASCII letter with the letters drawn like it: Cyrillic, Greek, Armenian, and Latin letters
 * outside ASCII (dotless i, small capitals, Latin alpha). Fullwidth and mathematical forms need
 * no entry: NFKC maps them first.
 */
const DRAWN_LIKE: Record<string, string> = {
  a: 'аАαΑɑ',
  b: 'вВΒь',
  c: 'сСϲϹᴄ',
  d: 'ԁ',
  e: 'еЕёεΕ',
  g: 'ցɡ',
  h: 'һНнΗհ',
  i: 'іІїιΙıɩɪ',
  j: 'јЈϳ',
  k: 'кКκΚ',
  l: 'ӏӀǀ',
  m: 'мМΜ',
  n: 'Νո',
  o: 'оОοΟօᴏ',
  p: 'рРρΡ',
  q: 'ԛԚզ',
  s: 'ѕЅꜱ',
  t: 'тТΤ',
  u: 'υս',
  v: 'νᴠ',
  w: 'ԝԜᴡ',
  x: 'хХχΧ',
  y: 'уУүҮγΥʏ',
  z: 'Ζᴢ',
};
const LOOKALIKES = new Map(Object.entries(DRAWN_LIKE).flatMap(([ascii, drawnLike]) => [...drawnLike].map((ch) => [ch, ascii] as const)));

const ASCII = /^[\x21-\x7e]*$/;

/** The local part as the eye reads it: NFKC, then the look-alike letters replaced, ASCII lowercased. */
export function lookalikeSkeleton(localPart: string): string {
  let out = '';
  for (const ch of localPart.normalize('NFKC')) out += LOOKALIKES.get(ch) ?? ch;
  return out.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Georgian',
  'Hangul',
  'Ethiopic',
  'Cherokee',
  'Khmer',
  'Mongolian',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
  'Lisu',
] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')] as const);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

function scriptOf(ch: string): string | null {
  if (NEUTRAL.test(ch)) return null;
  for (const [name, pattern] of SCRIPT_PATTERNS) if (pattern.test(ch)) return name;
  return 'Other';
}

/** UTS #39's single-script rule with its Han combinations (Japanese, Korean, Chinese with Bopomofo). */
const ALLOWED_COMBINATIONS = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Hangul']), new Set(['Han', 'Bopomofo'])];

export function isMixedScript(localPart: string): boolean {
  const scripts = new Set<string>();
  for (const ch of localPart) {
    const script = scriptOf(ch);
    if (script) scripts.add(script);
  }
  if (scripts.size <= 1) return false;
  return !ALLOWED_COMBINATIONS.some((allowed) => [...scripts].every((s) => allowed.has(s)));
}

/** Why a (canonical) local part could pass for another address, or null. */
export function confusableLocalPart(localPart: string): EmailConfusable | null {
  if (ASCII.test(localPart)) return null;
  if (isMixedScript(localPart)) return 'mixed-script';
  if (ASCII.test(lookalikeSkeleton(localPart))) return 'ascii-lookalike';
  return null;
}
