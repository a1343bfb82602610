import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Records one fault's outcome for docs/reliability.md: a JSON line appended to the file named
 * by FAULTS_REPORT (scripts/test.sh --faults sets it), and a diagnostic line in the test output.
 */
export function report(fault: string, result: { cases: number; outcome: string }): void {
  const line = { fault, ...result, at: new Date().toISOString() };
  process.stdout.write(`# fault report: ${JSON.stringify(line)}\n`);
  if (process.env.FAULTS_REPORT) appendFileSync(process.env.FAULTS_REPORT, JSON.stringify(line) + '\n');
}

/**
 * Keeps the apps' last output lines of a fault spec next to the report (<dist>/fault-logs/), so
 * that a failed CI run can be read afterwards. Call before stopping the system.
 */
export function saveLogs(label: string, processes: Map<string, { output: string[] }>): void {
  if (!process.env.FAULTS_REPORT) return;
  const dir = path.join(path.dirname(process.env.FAULTS_REPORT), 'fault-logs');
  mkdirSync(dir, { recursive: true });
  for (const [app, proc] of processes) writeFileSync(path.join(dir, `${label}.${app}.log`), proc.output.join('\n') + '\n');
}
