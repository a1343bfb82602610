import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyValueStorage } from './storage';

/**
 * Node: every key in one JSON file. Reads go to the file each time (so that two processes on
 * one file see each other's writes); a write goes to a temporary file that then replaces the
 * original (rename is atomic), so a crash never leaves half a file. Concurrent writers are
 * settled by the SDK's versioned documents (document-store.ts), not here.
 */
export function fileStorage(file: string): KeyValueStorage {
  const absolute = path.resolve(file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  const load = (): Record<string, string> => {
    try {
      const parsed = JSON.parse(readFileSync(absolute, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  const save = (items: Record<string, string>): void => {
    const temporary = `${absolute}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, JSON.stringify(items), { mode: 0o600 });
    renameSync(temporary, absolute);
  };
  return {
    getItem: (key) => load()[key] ?? null,
    setItem: (key, value) => save({ ...load(), [key]: value }),
    removeItem: (key) => {
      const items = load();
      delete items[key];
      save(items);
    },
  };
}
