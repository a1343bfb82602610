// The example page's script: bundled with @idstream/sdk by esbuild (serve.mjs), no framework.
import { Idstream, IdstreamError, localStorageAdapter } from '@idstream/sdk';

const config = await (await fetch('./config.json')).json();
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const sdk = Idstream.init({
  baseUrl: config.gatewayUrl,
  apiKey: config.apiKey,
  storage: localStorageAdapter(),
  // ?flushIntervalMs=… lets the browser test keep events queued across a reload.
  tracker: { flushIntervalMs: Number(params.get('flushIntervalMs') ?? 5000) },
});
window.idstream = sdk; // for the browser console (and the browser test)

function log(message, isError = false) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${message}`;
  if (isError) item.className = 'error';
  $('log').prepend(item);
}

async function render() {
  $('uuid').textContent = await sdk.client.getUUID();
  const signedIn = await sdk.client.isSignedIn();
  $('signed-in').textContent = signedIn ? 'yes' : 'no (anonymous)';
  const token = await sdk.client.retrieveToken().catch(() => null);
  $('token').textContent = token ? `${token.origin}, expires ${token.expirationDate.toLocaleTimeString()}` : 'none (offline?)';
  const stats = await sdk.tracker.stats();
  $('queued').textContent = String(stats.queued);
  $('dropped').textContent = `${stats.dropped} / ${stats.undeliverable}`;
  document.body.dataset.ready = 'true';
}

function action(id, work) {
  $(id).addEventListener('click', async () => {
    document.body.dataset.busy = 'true';
    try {
      const result = await work();
      log(`${id}: ok${result ? ` ${result}` : ''}`);
    } catch (error) {
      const detail = error instanceof IdstreamError ? `${error.kind} ${error.status ?? ''} ${error.code ?? ''}` : String(error);
      log(`${id}: ${detail}`, true);
    } finally {
      await render();
      delete document.body.dataset.busy;
    }
  });
}

const credentials = () => ({ email: $('email').value, password: $('password').value });

action('register', async () => {
  const { email, password } = credentials();
  const result = await sdk.client.registerAccount({ email, password, firstName: $('first-name').value });
  return result.status;
});
action('sign-in', async () => {
  const { email, password } = credentials();
  await sdk.client.signIn(email, password);
});
action('account', async () => {
  const account = await sdk.client.getAccount();
  $('account-view').textContent = JSON.stringify(account, null, 2);
  return account.email;
});
action('sign-out', async () => {
  await sdk.client.signOut();
  $('account-view').textContent = '(signed out)';
});
action('track', async () => {
  for (let i = 1; i <= 20; i++) void sdk.tracker.track('product_view', { sku: `SKU-${i}`, position: i }, { label: 'example' });
  await sdk.tracker.stats();
  return '20 queued';
});
action('flush', async () => {
  const { empty, queued } = await sdk.tracker.flush();
  return empty ? 'queue empty' : `${queued} still queued`;
});

sdk.client.onStateChange({
  signedIn: () => log('state: signed in'),
  signedOut: (reason) => log(`state: signed out (${reason})`),
});

$('page-origin').textContent = location.origin;
$('gateway').textContent = config.gatewayUrl;
if (params.get('email')) $('email').value = params.get('email');
setInterval(() => void render(), 1000);
await render();
