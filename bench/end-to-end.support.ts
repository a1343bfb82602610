import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@idstream/testing';
import { knob, processCpuMs } from './bench.support';

/**
 * What the end-to-end benchmarks share: the load generators (autocannon in its own process,
 * bench/load-generator.mjs, and the in-process gateway client), the raw PBKDF2 ceiling (its own process too), the CPU and peak
 * RSS of the processes under test, and the smoke switch. Benchmarks print; they never assert.
 */

/** BENCH_SMOKE=1 (or `npm run bench -- --smoke`): every scenario for a second or two, to prove it runs. */
export const SMOKE = process.env.BENCH_SMOKE === '1';

/** Seconds per load scenario: BENCH_E2E_SECONDS (10), 1 in smoke mode. */
export function scenarioSeconds(): number {
  return SMOKE ? 1 : knob('BENCH_E2E_SECONDS', 10);
}

/**
 * BENCH_CPU_PROF_DIR=<dir>: the environment that makes an app write a CPU profile of its whole
 * life to <dir> when it stops (bench/cpu-profile.cjs); empty when profiling is off.
 */
export function profilingEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  // BENCH_APP_NODE_OPTIONS: node flags for the app under test (e.g. a heap limit to try).
  const extra = process.env.BENCH_APP_NODE_OPTIONS ?? '';
  if (!dir) return extra ? { NODE_OPTIONS: extra } : {};
  return { NODE_OPTIONS: `${extra} -r ${path.join(repoRoot(), 'bench/cpu-profile.cjs')}`.trim(), BENCH_CPU_PROF_DIR: path.resolve(dir) };
}

/** BENCH_E2E_SCENARIOS=<word,...>: only the scenarios whose key contains one of the words (e.g. to profile one). */
export function scenarioWanted(key: string): boolean {
  const words = (process.env.BENCH_E2E_SCENARIOS ?? '').split(',').filter(Boolean);
  return words.length === 0 || words.some((word) => key.includes(word));
}

export interface LoadSpec {
  url: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  amount?: number;
  /** Requests per second over all connections (a steady rate instead of as fast as it answers). */
  overallRate?: number;
  /** Round robin per request: headers merged over `headers`, or the whole body. */
  pool?: { headers?: Record<string, string>[]; bodies?: string[] };
  /** A fresh body of this many tracking events (new uuids) per request. */
  trackingBatch?: number;
}

export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** Answers with a 2xx per second. */
  perSecond: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  loadGeneratorCpuMs: number;
}

/** Runs autocannon in a separate node process with `spec`; rejects when it did not finish in time. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, [path.join(repoRoot(), 'bench/load-generator.mjs'), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const limitMs = (spec.duration + 60) * 1000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`load generator exited ${code} for ${spec.method} ${spec.path}: ${stderr.slice(-500)}`);
    return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The environment that lifts the gateway's per-IP flood guard (20/s by default), which every
 * request of a bench from this one address would hit: the benches measure the routes.
 */
export const NO_FLOOD_GUARD: Record<string, string> = { GATEWAY_RATE_LIMIT_PER_SECOND: '1000000', GATEWAY_RATE_LIMIT_BURST: '1000000' };

/**
 * The in-process load generator: node:http with keep-alive connections, one per request in
 * flight. Global fetch (undici) costs this process several times more CPU per request, and on a
 * small machine the load generator shares the cores with the system under test. `call`: any URL,
 * the raw answer; `request`: a JSON call to the gateway at `base` with an optional bearer token,
 * its parsed answer, thrown on a status of 300 or more.
 */
export function gatewayClient(base: string, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const call = (url: string, method = 'GET', body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        url,
        { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(body);
    });
  const request = async (method: string, path: string, body?: unknown, token?: string): Promise<unknown> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await call(`${base}${path}`, method, body === undefined ? undefined : JSON.stringify(body), headers);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
    return res.text ? (JSON.parse(res.text) as unknown) : null;
  };
  return { call, request, close: () => agent.destroy() };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/** The rounds of one scenario as one result: counts summed, rates and latencies the medians of the rounds, max the highest. */
export function mergeRounds(rounds: LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((n, r) => n + pick(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    seconds: sum((r) => r.seconds),
    perSecond: median(rounds.map((r) => r.perSecond)),
    latency: {
      p50: median(rounds.map((r) => r.latency.p50)),
      p90: median(rounds.map((r) => r.latency.p90)),
      p99: median(rounds.map((r) => r.latency.p99)),
      max: Math.max(...rounds.map((r) => r.latency.max)),
    },
    statusCodes,
    loadGeneratorCpuMs: sum((r) => r.loadGeneratorCpuMs),
  };
}

/** The process figures of a scenario's rounds: CPU summed, peak RSS the highest. */
export function mergeUsage(
  rounds: Map<string, { cpuMs?: number; peakRssMb?: number }>[],
): Map<string, { cpuMs?: number; peakRssMb?: number }> {
  const merged = new Map<string, { cpuMs?: number; peakRssMb?: number }>();
  for (const round of rounds) {
    for (const [name, u] of round) {
      const m = merged.get(name);
      if (!m) merged.set(name, { ...u });
      else {
        m.cpuMs = m.cpuMs === undefined || u.cpuMs === undefined ? undefined : m.cpuMs + u.cpuMs;
        m.peakRssMb = Math.max(m.peakRssMb ?? 0, u.peakRssMb ?? 0) || undefined;
      }
    }
  }
  return merged;
}

export interface Pbkdf2Ceiling {
  hashes: number;
  seconds: number;
  hashesPerSecond: number;
  cpuMsPerHash: number;
  parallel: number;
}

/**
 * The physical limit of every sign-in: raw PBKDF2-SHA256 at 600,000 iterations (what
 * libs/crypto hashes with), as many in parallel as there are cores, in a process of its own.
 */
export async function pbkdf2Ceiling(seconds: number, parallel = os.cpus().length): Promise<Pbkdf2Ceiling> {
  const source = `
    const { pbkdf2, randomBytes } = require('node:crypto');
    const [seconds, parallel] = [Number(process.argv[1]), Number(process.argv[2])];
    const deadline = performance.now() + seconds * 1000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let hashes = 0;
    const one = () => new Promise((resolve, reject) =>
      pbkdf2('Str0ng!pass', randomBytes(16), 600000, 32, 'sha256', (e) => (e ? reject(e) : resolve())));
    const chain = async () => { do { await one(); hashes++; } while (performance.now() < deadline); };
    Promise.all(Array.from({ length: parallel }, chain)).then(() => {
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write(JSON.stringify({ hashes, seconds: (performance.now() - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 }));
    });`;
  const child = spawn(process.execPath, ['-e', source, String(seconds), String(parallel)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'exit');
  const { hashes, seconds: took, cpuMs } = JSON.parse(out) as { hashes: number; seconds: number; cpuMs: number };
  return { hashes, seconds: took, hashesPerSecond: hashes / took, cpuMsPerHash: cpuMs / hashes, parallel };
}

/**
 * CPU time and peak RSS of named processes over one scenario. Peak RSS is the kernel's VmHWM,
 * reset at the start of each scenario (writing 5 to /proc/<pid>/clear_refs), so it is the peak
 * of that scenario; where the reset is refused it is the peak since the process started.
 */
export class ProcessWatch {
  private cpuBefore = new Map<string, number | undefined>();

  constructor(private readonly pids: () => Map<string, number | undefined>) {}

  begin(): void {
    this.cpuBefore = new Map([...this.pids()].map(([name, pid]) => [name, processCpuMs(pid)]));
    for (const pid of this.pids().values()) {
      try {
        if (pid !== undefined) writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // not Linux, or not allowed: VmHWM stays the peak since the process started
      }
    }
  }

  /** CPU ms each process used since begin(), and its peak RSS in MiB. */
  end(): Map<string, { cpuMs?: number; peakRssMb?: number }> {
    return new Map(
      [...this.pids()].map(([name, pid]) => {
        const before = this.cpuBefore.get(name);
        const after = processCpuMs(pid);
        return [name, { cpuMs: before === undefined || after === undefined ? undefined : after - before, peakRssMb: peakRssMb(pid) }];
      }),
    );
  }
}

export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of the CPU ms of every process in `usage` (undefined when one could not be read). */
export function totalCpuMs(usage: Map<string, { cpuMs?: number }>): number | undefined {
  let sum = 0;
  for (const { cpuMs } of usage.values()) {
    if (cpuMs === undefined) return undefined;
    sum += cpuMs;
  }
  return sum;
}

/** Starts a node script of bench/ (plain JS, not compiled) and waits for the first line it prints (its port). */
export async function startScript(
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; firstLine: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(repoRoot(), script)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit');
  const first = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script}: no output in ${timeoutMs} ms: ${stderr.slice(-500)}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!.trim());
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited: ${stderr.slice(-1000)}`));
    });
  });
  const firstLine = await first;
  return {
    child,
    firstLine,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
