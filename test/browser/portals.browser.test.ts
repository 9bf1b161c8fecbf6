// The portals in a real browser (headless Chromium via playwright-core) against `gatehouse
// start` and a real backend: the stories a person walks through, with a screenshot of every
// page under test/artifacts/. Any console error or page error fails the suite, except the one
// the story provokes on purpose (the gateway's 429 once a deny policy is in force).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ensureUiBuilt } from '../../ui/build-if-missing.ts';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const ADMIN_PASSWORD = 'admin-Pa55word!';
const STEP_TIMEOUT = 15_000;

let server: RunningServer;
let backend: RunningBackend;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
/** Console errors the story provokes on purpose: [url prefix, status]. */
const expectedFailures: Array<{ urlPrefix: string; status: number }> = [];

function watch(page: Page, who: string): void {
  page.on('pageerror', (e) => problems.push(`[${who}] page error: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error') return;
    const url = m.location().url ?? '';
    const expected = expectedFailures.some((x) => url.startsWith(x.urlPrefix) && m.text().includes(`status of ${x.status}`));
    if (!expected) problems.push(`[${who}] console error: ${m.text()} (${url})`);
  });
}

async function newPage(who: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('dialog', (d) => void d.accept());
  watch(page, who);
  pages.push([who, page]);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.evaluate(() => window.scrollTo(0, 0));
  // Toasts are fixed to the viewport; hidden so they do not float over a full-page capture.
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, style: '.toasts { display: none !important; }' });
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').filter({ hasText: username }).waitFor();
}

async function signUp(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('current-user').filter({ hasText: username }).waitFor();
}

const state: { apiId?: string; gatewayUrl?: string } = {};

/** Try-it tab of the open API page: the person's application, a fresh token. The gateway URL
 *  is the one the server reports (`config` query): nobody types it. */
async function openTryIt(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Try it' }).click();
  await page.getByLabel('Application').selectOption({ label: 'Sam Weather App' });
  await page.waitForFunction((url) => (document.querySelector('[data-testid="try-it-url"]')?.textContent ?? '').startsWith(`${url}/`), state.gatewayUrl!);
  assert.equal(await page.getByLabel('Gateway URL').inputValue(), state.gatewayUrl);
  await page.getByRole('button', { name: 'Generate test token' }).click();
  await page.waitForFunction(() => (document.querySelector('input[autocomplete="off"].mono') as HTMLInputElement | null)?.value.startsWith('ey'));
}
const pages: Array<[string, Page]> = [];

/** A story step: on failure every open page is captured as failure-<who>.png. */
function step(name: string, fn: () => Promise<void> | void): void {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      for (const [who, page] of pages) await page.evaluate(() => window.scrollTo(0, 0)).then(() => page.screenshot({ path: join(ARTIFACTS, `failure-${who}.png`), fullPage: true })).catch(() => undefined);
      throw e;
    }
  });
}

describe('portals in a browser', { timeout: 180_000 }, () => {
  let admin: Page;
  let publisher: Page;
  let subscriber: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    assert.notEqual(await ensureUiBuilt(), 'unavailable', 'the portals must build');
    [server, backend] = await Promise.all([startServer({ adminPassword: ADMIN_PASSWORD }), startBackend()]);
    assert.ok(server.gatewayUrl, 'gatehouse start reports its gateway URL');
    state.gatewayUrl = server.gatewayUrl;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    admin = await newPage('admin');
    publisher = await newPage('publisher');
    subscriber = await newPage('subscriber');
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await Promise.all([server?.stop(), backend?.close()]);
  });

  step('a visitor browses anonymously and the login page renders', async () => {
    await publisher.goto('/portal');
    await publisher.getByRole('heading', { name: 'Discover APIs' }).waitFor();
    await publisher.getByText('No APIs published yet').waitFor();
    await shot(publisher, '01-catalogue-anonymous');
    await publisher.goto('/login');
    await shot(publisher, '02-login');
  });

  step('a wrong password is explained in words, not JSON', async () => {
    expectedFailures.push({ urlPrefix: `${server.baseUrl}/oauth2/token`, status: 400 }, { urlPrefix: `${server.baseUrl}/oauth2/token`, status: 401 });
    await publisher.getByLabel('Username').fill('admin');
    await publisher.getByLabel('Password', { exact: true }).fill('not-the-password');
    await publisher.getByRole('button', { name: 'Sign in' }).click();
    const alert = publisher.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.doesNotMatch(text, /[{}]/, `readable error, got: ${text}`);
    expectedFailures.length = 0;
  });

  step('a publisher signs up and an admin grants creator and publisher roles', async () => {
    await signUp(publisher, 'pat', 'pat-Pa55word!');
    await signIn(admin, 'admin', ADMIN_PASSWORD);
    await admin.goto('/admin/users');
    await admin.getByLabel('pat has role creator').check();
    await admin.getByText('Granted creator to pat').waitFor();
    await admin.getByLabel('pat has role publisher').check();
    await admin.getByText('Granted publisher to pat').waitFor();
    assert.equal(await admin.getByLabel('pat has role publisher').isChecked(), true);
    await shot(admin, '03-admin-users');
    // The new roles are in the next token: sign in again.
    await publisher.getByRole('button', { name: 'Sign out' }).click();
    await publisher.waitForURL('**/login');
    await signIn(publisher, 'pat', 'pat-Pa55word!');
  });

  step('the publisher creates an API from scratch, edits it and publishes it', async () => {
    await publisher.goto('/publisher/new');
    await publisher.getByLabel('Name', { exact: true }).fill('Weather');
    await publisher.getByLabel('Context').fill('/weather');
    await publisher.getByLabel('Version', { exact: true }).fill('1.0.0');
    await publisher.getByLabel('Description').fill('Forecasts for every city.');
    await publisher.getByLabel('URI template of resource 1').fill('/forecast');
    await publisher.getByRole('button', { name: '+ Add resource' }).click();
    await publisher.getByLabel('Verb of resource 2').selectOption('POST');
    await publisher.getByLabel('URI template of resource 2').fill('/alerts/{city}');
    await publisher.getByLabel('Production endpoint').fill(backend.url);
    await publisher.getByLabel('Production max TPS').fill('1000');
    await publisher.getByLabel('Gold').check();
    await shot(publisher, '04-publisher-create-api');
    await publisher.getByRole('button', { name: 'Create API' }).click();
    await publisher.waitForURL(/\/publisher\/apis\/[^/?]+/);
    state.apiId = new URL(publisher.url()).pathname.split('/')[3];
    await publisher.getByRole('heading', { name: /Weather/ }).waitFor();
    await shot(publisher, '05-publisher-api-overview');

    await publisher.getByLabel('Description').fill('Hourly forecasts for every city on earth.');
    await publisher.getByRole('button', { name: 'Save', exact: true }).click();
    await publisher.getByText('Basic information saved').waitFor();

    await publisher.getByRole('tab', { name: 'Lifecycle' }).click();
    const actions = publisher.getByRole('group', { name: 'Lifecycle actions' }).getByRole('button');
    assert.deepEqual(await actions.allInnerTexts(), ['Publish', 'Deploy as a prototype'], 'only the transitions CREATED allows');
    await publisher.getByRole('button', { name: 'Publish' }).click();
    await publisher.getByText('Weather is now published').waitFor();
    await publisher.getByRole('table', { name: 'Lifecycle history' }).getByText('pat').waitFor();
    assert.ok(await actions.getByText('Block').isVisible(), 'a published API can be blocked');
    await shot(publisher, '06-publisher-lifecycle');

    await publisher.getByRole('tab', { name: 'Runtime' }).click();
    assert.equal(await publisher.getByLabel('Production max TPS').inputValue(), '1000', 'the backend hard limit set at creation');
    assert.equal(await publisher.getByLabel('Sandbox max TPS').inputValue(), '', 'no sandbox limit');

    await publisher.goto('/publisher');
    await publisher.getByRole('radio', { name: 'Published' }).click();
    await publisher.getByRole('link', { name: 'Weather 1.0.0' }).waitFor();
    await shot(publisher, '07-publisher-api-list');
  });

  step('a subscriber signs up, creates an application, subscribes, gets keys and a 200 from try-it', async () => {
    await signUp(subscriber, 'sam', 'sam-Pa55word!');
    await subscriber.getByRole('link', { name: 'Weather 1.0.0' }).waitFor();
    await shot(subscriber, '08-portal-catalogue');

    await subscriber.getByRole('link', { name: 'Applications' }).click();
    await subscriber.getByLabel('Application name').fill('Sam Weather App');
    await subscriber.getByLabel('Per-token quota (tier)').selectOption('50PerMin');
    await subscriber.getByRole('button', { name: 'Create application' }).click();
    await subscriber.waitForURL(/\/portal\/applications\/[^/?]+/);
    await subscriber.getByRole('button', { name: 'Generate keys' }).click();
    await subscriber.getByText('Copy the consumer secret now.').waitFor();
    const secret = await subscriber.getByLabel('Consumer secret', { exact: true }).first().inputValue();
    assert.ok(secret.length >= 20, 'the secret is shown once');
    await subscriber.getByRole('button', { name: 'Generate token' }).click();
    const token = subscriber.getByRole('textbox', { name: 'Access token' });
    await token.waitFor();
    assert.match(await token.inputValue(), /^ey/, 'a JWT access token from client_credentials');
    await shot(subscriber, '09-portal-application-keys');

    await subscriber.getByRole('tab', { name: 'API keys' }).click();
    await subscriber.getByLabel('Permitted IPs').fill('127.0.0.1');
    await subscriber.getByRole('button', { name: 'Generate API key' }).click();
    await subscriber.getByText('Copy the API key now;').waitFor();
    await shot(subscriber, '10-portal-application-apikeys');

    // In-app navigation: the secret shown once stays in this tab's memory for the try-it console.
    await subscriber.getByRole('link', { name: 'API catalogue' }).click();
    await subscriber.getByRole('link', { name: 'Weather 1.0.0' }).click();
    await subscriber.getByRole('heading', { name: /Weather/ }).waitFor();
    // The overview shows where the API answers: the gateway this server runs, not a guessed :8280.
    await subscriber.waitForFunction((url) => [...document.querySelectorAll('input[readonly]')].some((i) => (i as HTMLInputElement).value === url), `${state.gatewayUrl}/weather/1.0.0`);
    await subscriber.getByLabel('Application').selectOption({ label: 'Sam Weather App' });
    await subscriber.getByLabel('Tier').selectOption('Gold');
    await subscriber.getByRole('button', { name: 'Subscribe' }).click();
    await subscriber.getByText('Subscribed Sam Weather App with Gold').waitFor();
    await shot(subscriber, '11-portal-api-subscribed');

    await openTryIt(subscriber);
    await subscriber.getByRole('button', { name: 'Send' }).click();
    await subscriber.getByTestId('try-it-status').waitFor();
    assert.equal(await subscriber.getByTestId('try-it-status').innerText(), '200');
    const echoed = JSON.parse(await subscriber.getByTestId('try-it-body').innerText()) as { method: string; url: string; headers: Record<string, string> };
    assert.equal(echoed.method, 'GET');
    assert.equal(echoed.url, '/forecast', 'the backend saw the resource path');
    assert.equal(echoed.headers.authorization, undefined, 'the client credential is not forwarded');
    await shot(subscriber, '12-portal-try-it-200');
  });

  step('the publisher blocks the subscription (401 900907 in try-it), unblocks it, and adds a document', async () => {
    await publisher.goto(`/publisher/apis/${state.apiId}/subscriptions`);
    const row = publisher.getByRole('row', { name: /Sam Weather App/ });
    await row.getByRole('button', { name: 'Block', exact: true }).click();
    await row.getByText('BLOCKED', { exact: true }).waitFor();
    await shot(publisher, '13-publisher-subscriptions-blocked');

    expectedFailures.push({ urlPrefix: state.gatewayUrl!, status: 401 });
    const sendUntil = async (want: string) => {
      const deadline = Date.now() + 5_000;
      let got = '';
      while (Date.now() < deadline) {
        await subscriber.getByRole('button', { name: 'Send' }).click();
        await subscriber.getByTestId('try-it-status').waitFor();
        got = await subscriber.getByTestId('try-it-status').innerText();
        if (got === want) break;
        await subscriber.waitForTimeout(200);
      }
      return got;
    };
    assert.equal(await sendUntil('401'), '401', 'a blocked subscription is refused');
    assert.equal(String((JSON.parse(await subscriber.getByTestId('try-it-body').innerText()) as { code: string }).code), '900907');

    await row.getByRole('button', { name: 'Unblock' }).click();
    await row.getByText('UNBLOCKED', { exact: true }).waitFor();
    assert.equal(await sendUntil('200'), '200', 'unblocked again');
    expectedFailures.length = 0;

    await publisher.getByRole('tab', { name: 'Documents' }).click();
    await publisher.getByLabel('Name', { exact: true }).fill('Getting started');
    await publisher.getByLabel('Content').fill('Call GET /forecast with a bearer token.');
    await publisher.getByRole('button', { name: 'Add document' }).click();
    await publisher.getByText('Document Getting started added').waitFor();
    await subscriber.getByRole('link', { name: 'API catalogue' }).click();
    await subscriber.getByRole('link', { name: 'Weather 1.0.0' }).click();
    await subscriber.getByRole('tab', { name: /Documents/ }).click();
    await subscriber.getByText('Call GET /forecast with a bearer token.').waitFor();
    await shot(subscriber, '14-portal-api-documents');
    await openTryIt(subscriber);
  });

  step('the publisher imports an OpenAPI definition by pasting it', async () => {
    await publisher.goto('/publisher/new');
    await publisher.getByRole('tab', { name: 'Import OpenAPI' }).click();
    await publisher.getByLabel('…or paste it').fill([
      'openapi: 3.0.3',
      'info: { title: Pet Store, version: 2.1.0, description: Pets for everyone }',
      'x-wso2-basePath: /pets',
      'paths:',
      '  /pets: { get: { responses: { "200": { description: ok } } } }',
      '  /pets/{id}:',
      '    delete:',
      '      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]',
      '      responses: { "204": { description: gone } }',
    ].join('\n'));
    await publisher.getByLabel('Context').fill('/petstore');
    await publisher.getByLabel('Production endpoint').fill(backend.url);
    await shot(publisher, '15-publisher-import-openapi');
    await publisher.getByRole('button', { name: 'Import' }).click();
    await publisher.waitForURL(/\/publisher\/apis\/[^/?]+/);
    await publisher.getByRole('heading', { name: /Pet Store/ }).waitFor();
    await publisher.getByText('/pets/{id}').first().waitFor();
  });

  step('the publisher creates a new version of the API', async () => {
    await publisher.goto(`/publisher/apis/${state.apiId}/versions`);
    await publisher.getByLabel('New version').fill('2.0.0');
    await publisher.getByRole('button', { name: 'Create version' }).click();
    await publisher.getByText('Version 2.0.0 created').waitFor();
    await publisher.getByRole('heading', { name: /Weather 2\.0\.0/ }).waitFor();
    assert.match(await publisher.getByRole('heading', { name: /Weather 2\.0\.0/ }).innerText(), /CREATED/);
    await publisher.getByRole('tab', { name: 'Versions' }).click();
    await publisher.getByRole('link', { name: '1.0.0' }).waitFor();
    await shot(publisher, '15b-publisher-versions');
  });

  step('an admin adds a deny policy and the try-it call is refused', async () => {
    await admin.goto('/admin/deny');
    await admin.getByLabel('Condition type').selectOption('API');
    await admin.getByLabel('Value').fill('/weather/1.0.0');
    await admin.getByRole('button', { name: 'Add deny policy' }).click();
    await admin.getByRole('table', { name: 'Deny policies' }).getByText('/weather/1.0.0').waitFor();
    await shot(admin, '16-admin-deny-policies');

    expectedFailures.push({ urlPrefix: state.gatewayUrl!, status: 429 });
    const deadline = Date.now() + 5_000;
    let status = '';
    while (Date.now() < deadline) {
      await subscriber.getByRole('button', { name: 'Send' }).click();
      await subscriber.getByTestId('try-it-status').waitFor();
      status = await subscriber.getByTestId('try-it-status').innerText();
      if (status === '429') break;
      await subscriber.waitForTimeout(200);
    }
    assert.equal(status, '429', 'the gateway refuses calls to a denied API');
    const body = JSON.parse(await subscriber.getByTestId('try-it-body').innerText()) as { code: string };
    assert.equal(String(body.code), '900805');
    await shot(subscriber, '17-portal-try-it-denied');
  });

  step('admin pages: rate limiting policies and signing key rotation', async () => {
    await admin.goto('/admin/policies');
    await admin.getByRole('table').getByText('Gold', { exact: true }).waitFor();
    await admin.getByLabel('Name').fill('Platinum');
    await admin.getByLabel('Request count').fill('9000');
    await admin.getByLabel('Burst limit').fill('50');
    await admin.getByRole('button', { name: 'Add policy' }).click();
    await admin.getByText('Policy Platinum created').waitFor();
    await admin.getByRole('table').getByText('Platinum', { exact: true }).waitFor();
    await shot(admin, '18-admin-policies');

    await admin.goto('/admin/keys');
    const rows = admin.getByRole('table', { name: 'Signing keys' }).locator('tbody tr');
    await rows.first().waitFor();
    const before = await rows.count();
    await admin.getByRole('button', { name: 'Rotate signing key' }).click();
    await admin.getByText(/New signing key/).waitFor();
    await admin.waitForFunction((n) => document.querySelectorAll('table[aria-label="Signing keys"] tbody tr').length > n, before);
    await admin.getByText('PREVIOUS').first().waitFor();
    await shot(admin, '19-admin-signing-keys');
  });

  step('the analytics page shows the calls', async () => {
    await admin.goto('/analytics');
    await admin.getByRole('heading', { name: 'Analytics' }).waitFor();
    const requests = admin.getByTestId('stat-requests');
    await requests.waitFor();
    // The try-it calls (one 200, then 429s) reach the analytics projection shortly after.
    const count = async () => Number((await requests.innerText()).replace(/\D/g, ''));
    const deadline = Date.now() + 10_000;
    while ((await count()) < 2 && Date.now() < deadline) {
      await admin.waitForTimeout(500);
      await admin.getByRole('button', { name: 'Refresh' }).click();
    }
    assert.ok((await count()) >= 2, 'the calls made through the gateway are counted');
    assert.ok(Number((await admin.getByTestId('stat-errors').innerText()).replace(/\D/g, '')) >= 1, 'the denied call is an error');
    await admin.getByRole('img', { name: /Traffic over time/ }).waitFor();
    await admin.getByRole('img', { name: /errors: 900805/ }).waitFor();
    await admin.getByRole('img', { name: /APIs: Weather/ }).waitFor();
    await admin.getByRole('img', { name: /applications: Sam Weather App/ }).waitFor();
    await shot(admin, '20-analytics');
  });

  step('the audit tab shows the history and time travel renders the API as it was', async () => {
    await publisher.goto(`/publisher/apis/${state.apiId}/audit`);
    const history = publisher.getByRole('list', { name: 'Event history' });
    await history.getByText('ApiCreated').waitFor();
    await history.getByText('ApiLifecycleChanged').first().waitFor();
    assert.ok((await history.getByText('pat', { exact: true }).count()) >= 3, 'every event names its actor');
    await publisher.getByTestId('api-view-description').filter({ hasText: 'Hourly forecasts' }).waitFor();
    await shot(publisher, '21-publisher-audit-latest');

    const slider = publisher.getByLabel("Position in the API's history");
    await slider.focus();
    await publisher.keyboard.press('Home');
    await publisher.getByTestId('time-travel-caption').filter({ hasText: 'ApiCreated' }).waitFor();
    await publisher.getByTestId('api-view-description').filter({ hasText: 'Forecasts for every city.' }).waitFor();
    assert.match(await publisher.getByTestId('api-view').innerText(), /CREATED/);
    await publisher.getByRole('table', { name: 'Changed fields' }).getByText('name', { exact: true }).waitFor();
    await shot(publisher, '22-publisher-audit-time-travel');
  });

  step('the audit log streams events live and exports NDJSON', async () => {
    await admin.goto('/audit');
    const list = admin.getByTestId('audit-events');
    await list.getByText('BlockingConditionAdded').first().waitFor();
    await admin.getByLabel('Actor').fill('pat');
    await list.getByText('BlockingConditionAdded').first().waitFor({ state: 'detached' });
    await list.getByText('ApiCreated').first().waitFor();
    const updatesBefore = await list.getByText('ApiUpdated', { exact: true }).count();
    // Live: an event appended now appears without a reload.
    await publisher.goto(`/publisher/apis/${state.apiId}`);
    await publisher.getByLabel('Tags').fill('weather, forecast');
    await publisher.getByRole('button', { name: 'Save', exact: true }).click();
    await publisher.getByText('Basic information saved').waitFor();
    await list.getByText('ApiUpdated', { exact: true }).nth(updatesBefore).waitFor();
    await shot(admin, '23-audit-log');

    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Export NDJSON' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; metadata: { actor: string } });
    assert.ok(lines.length >= 4);
    assert.ok(lines.every((e) => e.metadata.actor === 'pat'));
  });

  step('on a phone the navigation folds behind a menu button', async () => {
    await subscriber.setViewportSize({ width: 390, height: 844 });
    // The sidebar is hidden (not just off-screen: out of the tab order too) until the menu opens.
    await subscriber.getByRole('link', { name: 'API catalogue' }).waitFor({ state: 'hidden', timeout: 2_000 });
    const menu = subscriber.getByRole('button', { name: 'Toggle navigation' });
    await menu.focus();
    await subscriber.keyboard.press('Enter');
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await subscriber.getByRole('link', { name: 'Applications' }).click();
    await subscriber.getByRole('link', { name: 'Application Sam Weather App' }).waitFor();
    assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'choosing a page closes the menu');
    await shot(subscriber, '24-portal-applications-phone');
    await subscriber.setViewportSize({ width: 1366, height: 900 });
  });

  step('the session refreshes its token before expiry and sign-out revokes it', async () => {
    type Stored = { accessToken: string; refreshToken: string; expiresAt: number };
    const read = () => publisher.evaluate(() => JSON.parse(sessionStorage.getItem('gatehouse.session') ?? 'null') as Stored | null);
    const before = (await read())!;
    // Pretend the access token expires in 20 s: the portal refreshes it within a second of loading.
    await publisher.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('gatehouse.session')!) as Stored;
      sessionStorage.setItem('gatehouse.session', JSON.stringify({ ...s, expiresAt: Date.now() + 20_000 }));
    });
    await publisher.reload();
    await publisher.waitForFunction((old) => (JSON.parse(sessionStorage.getItem('gatehouse.session') ?? 'null') as Stored | null)?.refreshToken !== old, before.refreshToken);
    const after = (await read())!;
    assert.notEqual(after.accessToken, before.accessToken);
    assert.ok(after.expiresAt > Date.now() + 600_000, 'a fresh access token');
    await publisher.goto('/publisher');
    await publisher.getByRole('link', { name: 'Weather 1.0.0' }).waitFor();

    await publisher.getByRole('button', { name: 'Sign out' }).click();
    await publisher.waitForURL('**/login');
    assert.equal(await read(), null, 'the session is forgotten');
    const res = await fetch(`${server.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'gatehouse-portal', refresh_token: after.refreshToken }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant', 'the refresh token was revoked at sign-out');
  });

  step('no console errors or page errors happened', () => {
    assert.deepEqual(problems, []);
  });
});
