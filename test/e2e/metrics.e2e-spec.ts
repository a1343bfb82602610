import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { TestSystem } from '@idstream/testing';
import { customer } from './helpers';

/** One sample of a Prometheus text exposition, matched by name and exact labels. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const repo = path.resolve(__dirname, '../../..');

/** Every `expr` of the Grafana dashboard in docs/. */
function dashboardExpressions(): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null)
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') found.push(value);
        else walk(value);
      }
  };
  walk(JSON.parse(readFileSync(path.join(repo, 'docs/grafana-dashboard.json'), 'utf8')));
  return found;
}

/** The YAML block of docs/operations.md's "Alert rules" section, and its table of what each app exports. */
function operationsDoc(): { alertRules: string; table: string } {
  const text = readFileSync(path.join(repo, 'docs/operations.md'), 'utf8');
  const alerts = /## Alert rules\s+```yaml\n([\s\S]*?)```/.exec(text);
  const table = /## Where the signals are\n([\s\S]*?)\n## /.exec(text);
  assert.ok(alerts && table, 'docs/operations.md has its alert rules and its table');
  return { alertRules: alerts[1]!, table: table[1]! };
}

/** The metric names a text uses: `idstream_…` tokens, with `_{a,b}_` alternatives expanded (a `{…}` right after a name is its labels). */
function metricNames(text: string): string[] {
  const names = new Set<string>();
  for (const [token] of text.matchAll(/idstream_[a-z0-9_]*((?<=_)\{[a-z0-9_,]+\}[a-z0-9_]*)?/g)) {
    const braces = /^(.*)\{([a-z0-9_,]+)\}(.*)$/.exec(token);
    for (const name of braces ? braces[2]!.split(',').map((alt) => `${braces[1]}${alt}${braces[3]}`) : [token])
      if (!name.endsWith('_')) names.add(name);
  }
  return [...names];
}

/** Every series name an exposition can hold, from its `# TYPE` lines (a histogram's _bucket, _sum and _count too). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** Issue 13 part 3: /metrics of every app; the dashboard and the alert rules name only metrics the apps export. */
describe('/metrics of every app', () => {
  const system = new TestSystem();
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${system.env.AUTH_HTTP_PORT}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.text();
  };

  before(() => system.start());
  after(() => system.stop());

  it('exports every metric the dashboard, the alert rules and the operations table name (a renamed metric fails here)', async () => {
    const ports = {
      gateway: system.env.GATEWAY_PORT!,
      auth: system.env.AUTH_HTTP_PORT!,
      'profile-projector': system.env.PROJECTOR_HTTP_PORT!,
      'tracking-ingester': system.env.INGESTER_HTTP_PORT!,
    };
    const exported = new Set<string>();
    for (const [app, port] of Object.entries(ports)) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200, app);
      const names = exportedNames(await res.text());
      assert.ok(
        [...names].some((n) => n.startsWith('idstream_')),
        `${app} exports idstream metrics`,
      );
      for (const name of names) exported.add(name);
    }
    const { alertRules, table } = operationsDoc();
    const used = {
      'docs/grafana-dashboard.json': metricNames(dashboardExpressions().join('\n')),
      "docs/operations.md's alert rules": metricNames(alertRules),
      "docs/operations.md's table": metricNames(table),
    };
    for (const [where, names] of Object.entries(used)) {
      assert.ok(names.length >= 5, `${where} names metrics (${names.join(', ')})`);
      assert.deepEqual(
        names.filter((n) => !exported.has(n)),
        [],
        `${where} names metrics no app exports`,
      );
    }
  });

  it('counts commands by outcome, and times PBKDF2 hashes and verifies', async () => {
    const user = await customer(system);
    const wrong = await system.http('POST', '/v1/auth/sign-in', {
      token: user.anonToken,
      body: { email: user.email, password: 'Wr0ng!pass' },
    });
    assert.equal(wrong.status, 401);

    const text = await scrape();
    assert.ok((sample(text, 'idstream_auth_commands_total', 'command="register",outcome="ok",code=""') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_commands_total', 'command="signIn",outcome="ok",code=""') ?? 0) >= 1);
    const refusals = text.split('\n').filter((l) => l.startsWith('idstream_auth_commands_total{command="signIn",outcome="refused"'));
    assert.equal(refusals.length, 1, text);
    assert.ok((sample(text, 'idstream_auth_command_seconds_count', 'command="register"') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_seconds_count', 'operation="hash"') ?? 0) >= 1);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_seconds_count', 'operation="verify"') ?? 0) >= 2);
    assert.equal(sample(text, 'idstream_auth_pbkdf2_in_flight', 'operation="verify"'), 0);
    assert.ok((sample(text, 'idstream_auth_pbkdf2_pool_size') ?? 0) >= 2);
  });

  it('reports the event outbox and the mail outbox from the database', async () => {
    const db = new Client({ connectionString: system.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO auth.mail_outbox (workspace_id, recipient, subject, body, attempts, failed_at, sent_at)
         VALUES ('ws', 'given-up@example.test', 's', NULL, 8, now(), NULL)`,
      );
    } finally {
      await db.end();
    }
    const text = await scrape();
    assert.equal(sample(text, 'idstream_auth_mail_outbox_failed'), 1);
    for (const name of ['idstream_auth_outbox_backlog', 'idstream_auth_outbox_relay_lag_seconds', 'idstream_auth_mail_outbox_backlog']) {
      const value = sample(text, name);
      assert.ok(value !== undefined && value >= 0, `${name} = ${value}`);
    }
  });
});
