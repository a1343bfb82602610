import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestSystem, testKafka } from '@idstream/testing';
import { deleteTopics, fmt, heading, knob, note, printTable, recordFigure, runBenchmark, until } from './bench.support';
import { peakRssMb, runLoad, scenarioSeconds, SMOKE } from './end-to-end.support';
import { summarizeHeap } from './heap-summary';

/**
 * What the gateway's memory holds under load (issue 14, memory): auth and the gateway as
 * processes, the gateway started with `--heapsnapshot-signal=SIGUSR2`; under tracking intake
 * (batches of 100 events, many devices) a heap snapshot is taken mid-load and summed by
 * constructor (bench/heap-summary.ts). Prints the gateway's peak
 * RSS (VmHWM) per scenario and the largest groups of the heap. Target: peak RSS ≤ 150 MB.
 */

interface Scenario {
  key: string;
  label: string;
  run: (devices: Record<string, string>[], system: TestSystem, seconds: number) => ReturnType<typeof runLoad>;
}

const SCENARIOS: Scenario[] = [
  {
    key: 'intake',
    label: 'tracking intake, POST /v1/events, batches of 100',
    run: (devices, system, seconds) =>
      runLoad({
        url: system.gatewayUrl,
        method: 'POST',
        path: '/v1/events',
        connections: knob('BENCH_E2E_CONNECTIONS', 32),
        duration: seconds,
        trackingBatch: 100,
        pool: { headers: devices },
      }),
  },
];

async function snapshotOf(pid: number, dir: string): Promise<string | undefined> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let file: string | undefined;
  let size = -1;
  // Written in one go while the process pauses: done when the file stops growing.
  await until(
    () => {
      file ??= readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
      if (!file) return false;
      const now = statSync(path.join(dir, file)).size;
      const done = now > 0 && now === size;
      size = now;
      return done;
    },
    120,
    500,
  );
  return file && path.join(dir, file);
}

runBenchmark(
  'gateway-heap',
  async (cleanup) => {
    const seconds = Math.max(scenarioSeconds(), SMOKE ? 2 : 0);
    const deviceCount = SMOKE ? 8 : knob('BENCH_TRACKING_DEVICES', 64);
    heading('Gateway memory under load (heap snapshots)', 'peak RSS of the gateway per scenario, and what its heap holds mid-load');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-heap-'));
    cleanup(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const system = new TestSystem();
    const kafka = testKafka('bench-heap');
    cleanup(() => deleteTopics(kafka, Object.values(system.topics)));
    cleanup(() => system.stop());
    await system.start(['auth'], { GATEWAY_RATE_LIMIT_PER_SECOND: '0' });
    system.startApp('gateway', {
      NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir} ${process.env.BENCH_GATEWAY_NODE_OPTIONS ?? ''}`,
    });
    await system.waitReady(['gateway']);
    const devices: Record<string, string>[] = [];
    for (let i = 0; i < deviceCount; i++) {
      const res = await system.http<{ token: string }>('POST', '/v1/auth/anonymous', { body: { apiKey: system.clientApiKey } });
      if (res.status !== 200) throw new Error(`anonymous: ${res.status}`);
      devices.push({ authorization: `Bearer ${res.body.token}` });
    }
    const pid = system.processes.get('gateway')?.child.pid;
    if (pid === undefined) throw new Error('no gateway process');
    const startPeak = peakRssMb(pid);

    const rssRows: string[][] = [];
    for (const scenario of SCENARIOS) {
      // First clean (the peak RSS figure), then again with a snapshot half-way (what the heap holds).
      const clean = await scenario.run(devices, system, seconds);
      const peak = peakRssMb(pid);
      if (peak !== undefined) recordFigure(`e2e.heap.${scenario.key}.peakRssMb.gateway`, peak);
      rssRows.push([scenario.label, fmt(clean.perSecond * (scenario.key === 'intake' ? 100 : 1), 0), fmt(peak, 0)]);
      const load = scenario.run(devices, system, seconds);
      await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 2));
      const file = await snapshotOf(pid, dir);
      await load;
      if (!file) {
        note(`${scenario.key}: no heap snapshot written`);
        continue;
      }
      const { total, groups } = summarizeHeap(file);
      rmSync(file, { force: true });
      printTable(
        `Gateway heap mid-load, ${scenario.label}: ${fmt(total / 2 ** 20, 1)} MiB of objects`,
        ['what', 'count', 'MiB', 'share'],
        groups
          .slice(0, SMOKE ? 5 : 15)
          .map((g) => [g.name, fmt(g.count, 0), fmt(g.bytes / 2 ** 20, 2), `${fmt((g.bytes / total) * 100, 1)} %`]),
      );
    }
    printTable(
      'Gateway peak RSS (VmHWM since its start, before any snapshot)',
      ['scenario', 'events/s', 'peak RSS MiB'],
      [['started, idle', '', fmt(startPeak, 0)], ...rssRows],
    );
  },
  300,
);
