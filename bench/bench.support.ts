import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Kafka } from 'kafkajs';

/**
 * What every benchmark shares: bounded load loops, percentiles, memory, the tables it prints,
 * and the figures file through which a later benchmark compares with an earlier one of the
 * same run (scripts/bench.sh sets BENCH_RESULTS). Benchmarks print; they never assert.
 */

export const MB = 1024 * 1024;

const write = (text: string): void => {
  process.stdout.write(text);
};

/** A positive integer from the environment (a knob of the run), else the default. */
export function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function brokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

/** Resident set size of this process in MiB, after a collection when node runs with --expose-gc. */
export function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / MB;
}

/** V8 heap in use in MiB (after the same collection as rssMb): growth here is retained, RSS growth may not be. */
export function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / MB;
}

/** Resident set size of another process on this machine in MiB (Linux /proc), undefined elsewhere. */
export function processRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) another process on this machine has used so far, in ms (Linux
 * /proc; clock ticks of 10 ms), undefined elsewhere. On a shared machine CPU time per
 * operation is steadier than operations per wall-clock second.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The fields after "(comm)": state is the 1st, utime the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time of this process so far (all its threads), in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A payload of exactly `bytes` ASCII bytes (random, so nothing compresses it away). */
export function payload(bytes: number): string {
  return randomBytes(Math.ceil(bytes * 0.75) + 3)
    .toString('base64')
    .slice(0, bytes);
}

/** The value at quantile `q` (0..1) of ascending `sorted` values, nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LoopResult {
  /** Tasks that finished (resolved or threw). */
  done: number;
  failed: number;
  elapsedMs: number;
  /** Per task, ms, ascending. */
  latencies: number[];
  firstError?: string;
  /** Why the loop ended: its count, or its time. */
  stoppedBy: 'count' | 'time';
  /** CPU time this process used during the loop (all threads), ms. */
  cpuMs: number;
}

/**
 * Runs `task(i)` with at most `concurrency` in flight until `count` tasks started or `seconds`
 * passed (then waits for those in flight). Every load loop of the benchmarks goes through here,
 * so each is bounded both in count and in time.
 */
export async function boundedLoop(
  options: { count: number; seconds: number; concurrency?: number },
  task: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, options.count));
  const deadline = performance.now() + options.seconds * 1000;
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stoppedBy: LoopResult['stoppedBy'] = 'count';
  const start = performance.now();
  const cpuStart = ownCpuMs();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (next >= options.count) return;
      if (performance.now() >= deadline) {
        stoppedBy = 'time';
        return;
      }
      const i = next++;
      const t0 = performance.now();
      try {
        await task(i);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - start;
  const cpuMs = ownCpuMs() - cpuStart;
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, failed, elapsedMs, latencies, firstError, stoppedBy, cpuMs };
}

export interface RoundCase {
  name: string;
  /** Tasks per case over all rounds (each round starts at most its share). */
  count: number;
  concurrency?: number;
  task: (i: number) => Promise<unknown>;
  /** CPU ms used so far by each process serving this case (read before and after each round). */
  serverCpuMs?: () => (number | undefined)[];
}

export interface RoundResult {
  name: string;
  /** The rounds merged: counts and time summed, latencies pooled. */
  total: LoopResult;
  /** The median over the rounds of successful tasks per second. */
  medianPerSecond: number;
  /** CPU ms each serving process used over all rounds (undefined where it could not tell). */
  serverCpuMs?: (number | undefined)[];
}

/**
 * Runs the cases in turns, `rounds` times, each for its share of `seconds` per round, and
 * takes the median rate of each case's rounds. On a shared machine a burst of other work then
 * hits every case alike instead of whichever happened to run during it. `settleMs` is a pause
 * before each case (outside its clock).
 */
export async function inRounds(cases: RoundCase[], rounds: number, seconds: number, settleMs = 0): Promise<RoundResult[]> {
  const loops = new Map<string, LoopResult[]>(cases.map((c) => [c.name, []]));
  const serverCpu = new Map<string, (number | undefined)[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      if (settleMs > 0) {
        // Lets the work a case leaves behind (other processes' writes, this one's garbage)
        // finish before the next case's clock starts.
        (globalThis as { gc?: () => void }).gc?.();
        await new Promise((resolve) => setTimeout(resolve, settleMs));
      }
      const offset = round * Math.ceil(c.count / rounds);
      const cpuBefore = c.serverCpuMs?.();
      const loop = await boundedLoop({ count: Math.ceil(c.count / rounds), seconds: seconds / rounds, concurrency: c.concurrency }, (i) =>
        c.task(offset + i),
      );
      loops.get(c.name)!.push(loop);
      const cpuAfter = c.serverCpuMs?.();
      if (cpuBefore && cpuAfter) {
        const sums = serverCpu.get(c.name) ?? cpuBefore.map(() => 0);
        serverCpu.set(
          c.name,
          sums.map((sum, p) => {
            const [before, after] = [cpuBefore[p], cpuAfter[p]];
            return sum === undefined || before === undefined || after === undefined ? undefined : sum + after - before;
          }),
        );
      }
    }
  }
  return cases.map((c) => {
    const done = loops.get(c.name)!;
    const rates = done.map((l) => perSecond(l.done - l.failed, l.elapsedMs)).sort((a, b) => a - b);
    return {
      name: c.name,
      medianPerSecond: quantile(rates, 0.5),
      serverCpuMs: serverCpu.get(c.name),
      total: {
        done: done.reduce((n, l) => n + l.done, 0),
        failed: done.reduce((n, l) => n + l.failed, 0),
        elapsedMs: done.reduce((n, l) => n + l.elapsedMs, 0),
        latencies: done.flatMap((l) => l.latencies).sort((a, b) => a - b),
        firstError: done.find((l) => l.firstError !== undefined)?.firstError,
        stoppedBy: done.some((l) => l.stoppedBy === 'count') ? 'count' : 'time',
        cpuMs: done.reduce((n, l) => n + l.cpuMs, 0),
      },
    };
  });
}

/** Polls `check` every `intervalMs` until it holds or `seconds` passed; answers whether it held. */
export async function until(check: () => boolean | Promise<boolean>, seconds: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---- Formatting ----

export function fmt(value: number | undefined, digits?: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "0.42×" of `value` against `baseline`; "n/a" when either is missing. */
export function ratio(value: number | undefined, baseline: number | undefined): string {
  if (value === undefined || baseline === undefined || !Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0)
    return 'n/a';
  const r = value / baseline;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

export const perSecond = (count: number, ms: number): number => (ms > 0 ? (count * 1000) / ms : Number.NaN);

/** Prints an aligned table: the first column left-aligned, the others right-aligned. */
export function printTable(title: string, header: string[], rows: string[][], notes: string[] = []): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ') + '\n';
  write(`\n${title}\n`);
  write(line(header));
  write('  ' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of rows) write(line(row));
  for (const note of notes) write(`  ${note}\n`);
}

export function note(text: string): void {
  write(`  ${text}\n`);
}

/** The heading of one benchmark, with the machine's load: figures taken on a busy machine are not comparable. */
export function heading(title: string, compares: string): void {
  const load = os.loadavg().map((l) => l.toFixed(2));
  write(`\n=== ${title} ===\n`);
  write(`  compares: ${compares}\n`);
  write(`  load average ${load.join(' ')} on ${os.cpus().length} cores; node ${process.version}; RSS ${fmt(rssMb(), 0)} MiB\n`);
}

// ---- Figures shared between the benchmarks of one run ----

type Figures = Record<string, number>;

function readFigures(): Figures {
  const file = process.env.BENCH_RESULTS;
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Figures;
  } catch {
    return {};
  }
}

/** Records a figure of this run (e.g. `produce.kafkajs.batch500.msgsPerSec`) for the benchmarks after it. */
export function recordFigure(name: string, value: number): void {
  const file = process.env.BENCH_RESULTS;
  if (!file || !Number.isFinite(value)) return;
  writeFileSync(file, JSON.stringify({ ...readFigures(), [name]: value }, null, 2));
}

export function figure(name: string): number | undefined {
  return readFigures()[name];
}

// ---- Scratch resources ----

/** Deletes scratch topics; a failure is printed, never thrown (the figures are already out). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch (error) {
    note(`(could not delete scratch topics ${topics.join(', ')}: ${(error as Error).message})`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Runs one benchmark as the whole process: prints a failure instead of a stack of kafkajs
 * noise, runs the cleanups in reverse order whatever happened, and exits (a kafkajs or pg
 * handle left behind must not keep the run waiting). Exit code 1 when the benchmark failed.
 * The process gives up after BENCH_PROCESS_TIMEOUT_SECONDS, else `defaultTimeoutSeconds`.
 */
export function runBenchmark(
  name: string,
  body: (cleanup: (fn: () => Promise<unknown>) => void) => Promise<void>,
  defaultTimeoutSeconds = 150,
): void {
  const cleanups: (() => Promise<unknown>)[] = [];
  const started = performance.now();
  const hardLimitSeconds = knob('BENCH_PROCESS_TIMEOUT_SECONDS', defaultTimeoutSeconds);
  const killer = setTimeout(() => {
    process.stderr.write(`${name}: still running after ${hardLimitSeconds} s; giving up\n`);
    process.exit(1);
  }, hardLimitSeconds * 1000);
  killer.unref();
  void (async () => {
    let code = 0;
    try {
      await body((fn) => cleanups.push(fn));
    } catch (error) {
      code = 1;
      process.stderr.write(`\n${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`${name}: cleanup failed: ${(error as Error).message}\n`);
      }
    }
    write(`  (${name}: ${fmt((performance.now() - started) / 1000, 1)} s)\n`);
    process.exit(code);
  })();
}
