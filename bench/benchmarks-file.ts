import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * BENCHMARKS.md at the repository root: the summary table of one run (each figure, its
 * baseline, the ratio, the target, met or missed), the machine it ran on and the command.
 * Written by bench/report.ts after a run that is not a smoke run; docs/benchmarks.md explains
 * what each benchmark compares and keeps the notes of earlier runs.
 */

export interface BenchmarksRun {
  root: string;
  header: string[];
  rows: string[][];
  figures: Record<string, number>;
  command: string;
  /** The JSON file of the same run, relative to the root. */
  resultsFile: string;
  loadAtStart: string | undefined;
  versions: Record<string, string | undefined>;
  /** Benchmarks that failed in this run (scripts/bench.sh passes them), if any. */
  failed: string[];
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The broker's version, from the jar folder scripts/kafka.sh unpacks (e.g. `.data/kafka-jars/4.4.0`). */
function kafkaVersion(root: string): string | undefined {
  try {
    return readdirSync(path.join(root, '.data/kafka-jars')).find((name) => /^\d/.test(name));
  } catch {
    return undefined;
  }
}

function postgresVersion(): string | undefined {
  try {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    return execFileSync('psql', [url, '-Atc', 'SHOW server_version'], { encoding: 'utf8', timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The BENCH_* knobs set for the run (scripts/bench.sh's own are not set by the caller), as a command prefix. */
function knobs(): string {
  const set = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && !INTERNAL.has(name))
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .sort();
  return set.length > 0 ? `${set.join(' ')} ` : '';
}

/** What scripts/bench.sh sets for every run: not knobs of the caller. */
const INTERNAL = new Set(['BENCH_RESULTS', 'BENCH_ARGS', 'BENCH_LOAD_AT_START', 'BENCH_FAILED']);

export function benchmarksMarkdown(run: BenchmarksRun): string {
  const cpu = os.cpus()[0];
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const met = run.rows.filter((r) => r.at(-1) === 'met').length;
  const missed = run.rows.filter((r) => r.at(-1) === 'MISSED').length;
  const notRun = run.rows.filter((r) => r[1] === 'not run').length;
  const versions = { ...run.versions, node: process.version, kafka: kafkaVersion(run.root), postgresql: postgresVersion() };
  const lines = [
    '# Benchmarks: the last run',
    '',
    '<!-- Written by `npm run bench` (bench/report.ts, bench/benchmarks-file.ts): edit the code, not this file. -->',
    '',
    `What users feel (issue 14), each figure next to its baseline measured in the same run and its target. What each`,
    `benchmark compares, how to read the figures and the notes of earlier runs: [docs/benchmarks.md](docs/benchmarks.md).`,
    '',
    `- **Run**: finished ${new Date().toISOString()}, \`${knobs()}${run.command}\`${run.failed.length > 0 ? `; FAILED: ${run.failed.join(', ')}` : ''}`,
    `- **Targets**: ${met} met, ${missed} missed, ${notRun} not run in this run`,
    `- **Machine**: ${os.cpus().length} cores (${cpu ? cpu.model.trim() : 'cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
    `- **Load average**: ${run.loadAtStart ?? 'n/a'} at the start, ${load} at the end (1, 5, 15 min). Above the core count the machine is shared and the figures are noisy; the ratios to a baseline of the same run much less so.`,
    `- **Versions**: ${Object.entries(versions)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- **Every figure** of this run: [${run.resultsFile}](${run.resultsFile})`,
    '',
    `| ${run.header.map((h) => cell(h || 'met?')).join(' | ')} |`,
    `| ${run.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...run.rows.map((r) => `| ${r.map((c, i) => cell(i === 0 ? c.replace(/^ +/, '↳ ') : c)).join(' | ')} |`),
    '',
    'A row marked "not run" belongs to a benchmark this run left out (`npm run bench -- <names>`). Run `npm run bench` to',
    'measure them all; `npm run bench -- --smoke` checks that every scenario runs and never writes this file.',
    '',
  ];
  return lines.join('\n');
}

/** Writes BENCHMARKS.md; answers its path relative to the root. */
export function writeBenchmarksFile(run: BenchmarksRun): string {
  const file = path.join(run.root, 'BENCHMARKS.md');
  writeFileSync(file, benchmarksMarkdown(run));
  return path.relative(run.root, file);
}

/** The failed benchmarks scripts/bench.sh exported (BENCH_FAILED, space separated). */
export function failedBenchmarks(): string[] {
  return (process.env.BENCH_FAILED ?? '').split(' ').filter((n) => n.length > 0);
}
