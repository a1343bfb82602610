import { appendFileSync } from 'node:fs';

/**
 * Records one fault's outcome for docs/reliability.md: a JSON line appended to the file named
 * by FAULTS_REPORT (scripts/test.sh --faults sets it), and a diagnostic line in the test output.
 */
export function report(fault: string, result: { cases: number; outcome: string }): void {
  const line = { fault, ...result, at: new Date().toISOString() };
  process.stdout.write(`# fault report: ${JSON.stringify(line)}\n`);
  if (process.env.FAULTS_REPORT) appendFileSync(process.env.FAULTS_REPORT, JSON.stringify(line) + '\n');
}
