import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TestSystem, TopicReader, freePort, testKafka } from '@idstream/testing';
import { uniqueEmail } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../../..');
/** UPDATE_SCREENSHOTS=1 writes the screenshots into docs/ (docs/sdk.md shows them); else into a temporary folder. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(ROOT, 'docs') : mkdtempSync(path.join(tmpdir(), 'idstream-shots-'));

interface ExampleServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Issue 12 in a real browser: the SDK bundled by esbuild into the example page, served from
 * its own origin (another port than the gateway's), driven in Debian's headless Chromium.
 * Register, sign in, track 20 events, reload (the uuid, the session and the unsent events
 * survive in localStorage), sign out; the events arrive on tracking.events under the profile.
 */
describe('the SDK in a browser, on another origin than the gateway', () => {
  const system = new TestSystem();
  const kafka = testKafka('e2e-sdk-browser');
  let accepted: TopicReader;
  let example: ExampleServer;
  let context: BrowserContext;
  let userDataDir = '';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    const pagePort = await freePort();
    const pageOrigin = `http://127.0.0.1:${pagePort}`;
    await system.start(undefined, { DEFAULT_WORKSPACE_ALLOWED_ORIGINS: pageOrigin });
    accepted = await new TopicReader(kafka, system.topics.trackingEvents).start();
    // examples/web/serve.mjs is ESM; Node ≥ 20.19 require()s it from this CommonJS test.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startExampleServer } = require(path.join(ROOT, 'examples/web/serve.mjs')) as {
      startExampleServer: (o: { port: number; gatewayUrl: string; apiKey: string }) => Promise<ExampleServer>;
    };
    example = await startExampleServer({ port: pagePort, gatewayUrl: system.gatewayUrl, apiKey: system.clientApiKey });
    assert.notEqual(new URL(example.url).origin, new URL(system.gatewayUrl).origin);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'idstream-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 900, height: 1000 },
    });
  });

  after(async () => {
    try {
      await context?.close();
      await example?.close();
      await accepted?.stop();
    } finally {
      await system.stop();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  });

  const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
  const click = async (page: Page, id: string) => {
    await page.click(`#${id}`);
    await page.waitForFunction('!document.body.dataset.busy');
  };
  const loaded = (page: Page) => page.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 30_000 });

  it('register, sign in, track 20, reload, sign out: the events arrive under the profile', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    const sentEventIds = new Set<string>();
    let eventRequests = 0;
    page.on('request', (request) => {
      if (!request.url().endsWith('/v1/events') || request.method() !== 'POST') return;
      eventRequests++;
      for (const e of (JSON.parse(request.postData() ?? '{}') as { events?: { id: string }[] }).events ?? []) sentEventIds.add(e.id);
    });

    const email = uniqueEmail('browser');
    // A long interval: the 20 events stay queued until the reload, which must not lose them.
    await page.goto(`${example.url}/?flushIntervalMs=600000&email=${encodeURIComponent(email)}`);
    await loaded(page);
    const uuid = await text(page, 'uuid');
    assert.match(uuid, /^[0-9a-f-]{36}$/);

    await click(page, 'register');
    await click(page, 'sign-in');
    assert.equal(await text(page, 'signed-in'), 'yes', (await text(page, 'log')) + problems.join('\n'));
    await click(page, 'account');
    const account = JSON.parse(await text(page, 'account-view')) as { profileId: string; email: string; firstName: string };
    assert.equal(account.email, email);
    assert.equal(account.firstName, 'Ada');

    await click(page, 'track');
    assert.equal(await text(page, 'queued'), '20');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sdk-example-signed-in.png') });
    assert.equal(eventRequests, 0, 'nothing sent before the reload');

    await page.reload();
    await loaded(page);
    assert.equal(await text(page, 'uuid'), uuid, 'the device uuid survives a reload');
    assert.equal(await text(page, 'signed-in'), 'yes', 'the session survives a reload');
    // After the reload the SDK sends what it found queued (init starts the tracker).
    await page.waitForFunction("document.getElementById('queued')?.textContent === '0'", undefined, { timeout: 30_000 });
    assert.equal(sentEventIds.size, 20, 'the 20 events tracked before the reload were sent after it');

    await click(page, 'sign-out');
    assert.equal(await text(page, 'signed-in'), 'no (anonymous)');
    assert.match(await text(page, 'log'), /signed out \(USER_SIGN_OUT\)/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sdk-example-signed-out.png') });

    const ids = [...sentEventIds];
    const arrived = () => accepted.messages.map((m) => JSON.parse(m.value ?? '{}')).filter((e) => ids.includes(e.data?.eventId));
    await accepted.waitFor(() => arrived().length === 20, 30_000);
    for (const event of arrived()) {
      assert.equal(event.data.profileId, account.profileId);
      assert.equal(event.data.deviceUuid, uuid);
    }
    assert.deepEqual(problems, [], 'no script error, no CORS error in the console');
  });
});

mkdirSync(SCREENSHOTS, { recursive: true });
