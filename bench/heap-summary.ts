import { readFileSync } from 'node:fs';

/**
 * A V8 heap snapshot (.heapsnapshot, as `node --heapsnapshot-signal` writes it) summed by
 * what its objects are: per constructor or kind, the count and the bytes the objects take
 * themselves (self size). Enough to say what a heap holds without a browser.
 */

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeHeap(file: string): { total: number; groups: HeapGroup[] } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, HeapGroup>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? 'unknown';
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    // Objects by constructor; strings, code, arrays and the rest by kind.
    const name = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : `(${type})`;
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count++;
    group.bytes += size;
    groups.set(name, group);
  }
  return { total, groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes) };
}
