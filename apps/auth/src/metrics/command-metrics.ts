import { Counter, Histogram } from 'prom-client';
import type { Reply } from '@idstream/contracts';
import { metricsRegistry } from '@idstream/runtime';

/** Codes auth answers when it, not the request, is at fault (the guard's catch-alls). */
const FAULT_CODES = new Set(['INTERNAL', 'SERVICE_UNAVAILABLE']);

export type CommandOutcome = { outcome: 'ok' | 'refused' | 'failed'; code: string };

/** How one RPC reply counts: ok, refused with its code (an expected no), or failed (a fault). */
export function commandOutcome(reply: Reply<unknown> | undefined, thrown = false): CommandOutcome {
  if (thrown || !reply || typeof reply !== 'object' || !('ok' in reply)) return { outcome: 'failed', code: 'INTERNAL' };
  if (reply.ok) return { outcome: 'ok', code: '' };
  const code = reply.error.code;
  return { outcome: FAULT_CODES.has(code) ? 'failed' : 'refused', code };
}

export const commandMetrics = {
  total: new Counter({
    name: 'idstream_auth_commands_total',
    help: 'RPC commands and queries auth answered, by command, outcome (ok, refused, failed) and refusal code',
    labelNames: ['command', 'outcome', 'code'],
    registers: [metricsRegistry],
  }),
  seconds: new Histogram({
    name: 'idstream_auth_command_seconds',
    help: 'Time auth took to answer one RPC command or query',
    labelNames: ['command'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metricsRegistry],
  }),
};
