import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appNodeFlags, repoRoot, startNodeProcess } from '@idstream/testing';

/**
 * The apps' node flags (scripts/app-node-flags.cjs: V8 heap limits) come from one place and
 * reach every app process, however it is started; a flag NODE_OPTIONS sets itself wins.
 */
describe('app node flags', () => {
  const heapSettings = async (env: Record<string, string>) => {
    const proc = startNodeProcess('test/fixtures/heap-settings.js', env);
    assert.equal(await proc.exited, 0, proc.output.join('\n'));
    return JSON.parse(proc.output[0]!) as { execArgv: string[]; heapSizeLimitMb: number };
  };

  it('bounds the old generation of a started app (a safety net, and a lower growth factor than the default limit)', async () => {
    const { execArgv, heapSizeLimitMb } = await heapSettings({});
    assert.ok(execArgv.includes('--max-old-space-size=512'), execArgv.join(' '));
    assert.ok(execArgv.includes('--max-semi-space-size=8'), execArgv.join(' '));
    // The limit covers the old generation and the young one (a few semi-spaces) on top of it.
    assert.ok(heapSizeLimitMb >= 512 && heapSizeLimitMb < 600, `heap limit ${heapSizeLimitMb} MiB`);
  });

  it('leaves a flag to NODE_OPTIONS when it sets that flag itself', async () => {
    const { execArgv, heapSizeLimitMb } = await heapSettings({ NODE_OPTIONS: '--max_old_space_size=1024' });
    assert.ok(!execArgv.some((flag) => flag.startsWith('--max-old-space-size')), execArgv.join(' '));
    assert.ok(execArgv.includes('--max-semi-space-size=8'), 'the flags NODE_OPTIONS does not name stay');
    assert.ok(heapSizeLimitMb >= 1024, `heap limit ${heapSizeLimitMb} MiB`);
    assert.deepEqual(appNodeFlags('--enable-source-maps --max-semi-space-size=16 --max-old-space-size=256'), []);
  });

  it('is what npm start and the container start an app with', () => {
    const read = (file: string) => readFileSync(path.join(repoRoot(), file), 'utf8');
    assert.match(read('scripts/run-apps.mjs'), /\.\.\.appNodeFlags\(\), '-r', '\.\/scripts\/register-aliases\.cjs'/);
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /COPY scripts\/app-node-flags\.cjs/);
    assert.match(
      dockerfile,
      /flags="\$\(node scripts\/app-node-flags\.cjs\)"\n\s+# .*\n\s+exec node \$flags -r \.\/scripts\/register-aliases\.cjs/,
    );
  });
});
