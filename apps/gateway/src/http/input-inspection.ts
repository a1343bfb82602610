/**
 * The one check every value that comes in at the edge goes through (JSON bodies, query and path
 * parameters, each tracking event): a single walk that refuses what no field may hold and bounds
 * the shape. Field rules (lengths, formats, control characters in single-line fields) come after,
 * in the DTOs. Pure: no Nest, no Fastify.
 */

export interface InputBounds {
  /** Containers (objects, arrays) a value may sit in, the root included. */
  maxDepth: number;
  maxKeysPerObject: number;
  /** Keys of all objects of one value together. */
  maxTotalKeys: number;
  maxArrayLength: number;
  /** UTF-16 code units, the unit JavaScript and class-validator count in. */
  maxStringLength: number;
  maxKeyLength: number;
}

/**
 * Ceilings fit to API.md: a body nests at most 6 levels, so `attributes` and event `params`
 * (one level below the root) nest at most 5; `agreements` are flat; no field is longer than
 * 16 KiB (attributes are at most 16 KiB as JSON).
 */
export const EDGE_INPUT_BOUNDS: Readonly<InputBounds> = Object.freeze({
  maxDepth: 6,
  maxKeysPerObject: 100,
  maxTotalKeys: 1000,
  maxArrayLength: 256,
  maxStringLength: 16_384,
  maxKeyLength: 256,
});

/**
 * Key names that would reach into Object.prototype when read or copied naively, refused in every
 * object whatever the route (class-transformer silently drops such keys before the DTO whitelist
 * could see them, so they used to pass as if they were absent).
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}

export interface InputFinding {
  field: string;
  message: string;
}

/**
 * What no string at the edge may hold: NUL (PostgreSQL refuses it), a lone UTF-16 surrogate
 * (not Unicode: PostgreSQL's JSON refuses it, URI functions throw on it) and the Unicode
 * non-characters U+FDD0–U+FDEF and U+xxFFFE/U+xxFFFF. Returns what was found, or null.
 */
export function forbiddenCharacterIn(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return 'a NUL character';
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return 'a lone UTF-16 surrogate';
      const codePoint = ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      if ((codePoint & 0xfffe) === 0xfffe) return 'a Unicode non-character';
      i++;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return 'a lone UTF-16 surrogate';
    if ((unit >= 0xfdd0 && unit <= 0xfdef) || unit === 0xfffe || unit === 0xffff) return 'a Unicode non-character';
  }
  return null;
}

/**
 * C0 and C1 control characters and DEL (ESC starts ANSI sequences; CR/LF forge log lines),
 * which no single-line field (names, email, ids, city, ...) may hold. Multi-line fields may
 * hold tab, line feed and carriage return only.
 */
export function hasControlCharacter(text: string, allowLineBreaks = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (allowLineBreaks && (unit === 0x09 || unit === 0x0a || unit === 0x0d)) continue;
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

const childPath = (parent: string, key: string): string => {
  const name = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key.slice(0, 64));
  return parent === '' ? name : `${parent}.${name}`;
};

/**
 * Walks `value` once, depth first, and returns the first thing at the edge refuses, naming its
 * field (`attributes.a`, `events[2].type`, `query.email`), or null. `root` prefixes every path
 * ('' for a body). Iterative, so a value nested a million levels deep cannot overflow the stack.
 */
export function inspectInput(value: unknown, root = '', bounds: InputBounds = EDGE_INPUT_BOUNDS): InputFinding | null {
  const refuse = (path: string, predicate: string): InputFinding => {
    const field = (path === '' ? '(body)' : path).slice(0, 200);
    return { field, message: `${field} ${predicate}` };
  };
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  let totalKeys = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    const current = item.value;
    if (typeof current === 'string') {
      if (current.length > bounds.maxStringLength) return refuse(item.path, `must be at most ${bounds.maxStringLength} characters`);
      const found = forbiddenCharacterIn(current);
      if (found !== null) return refuse(item.path, `must not contain ${found}`);
      continue;
    }
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return refuse(item.path, 'must be a finite number');
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const depth = item.depth + 1;
    if (depth > bounds.maxDepth) return refuse(item.path, `nests deeper than ${bounds.maxDepth} levels`);
    if (Array.isArray(current)) {
      if (current.length > bounds.maxArrayLength) return refuse(item.path, `must hold at most ${bounds.maxArrayLength} items`);
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${item.path}[${i}]`, depth });
      continue;
    }
    const keys = Object.keys(current);
    if (keys.length > bounds.maxKeysPerObject) return refuse(item.path, `must hold at most ${bounds.maxKeysPerObject} keys`);
    totalKeys += keys.length;
    if (totalKeys > bounds.maxTotalKeys) return refuse(root, `must hold at most ${bounds.maxTotalKeys} keys in all`);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (key.length > bounds.maxKeyLength || forbiddenCharacterIn(key) !== null || hasControlCharacter(key))
        return refuse(item.path, `has a key that is longer than ${bounds.maxKeyLength} characters or not plain text`);
      const path = childPath(item.path, key);
      if (isReservedKey(key)) return refuse(path, 'is not an accepted field');
      stack.push({ value: (current as Record<string, unknown>)[key], path, depth });
    }
  }
  return null;
}
