// Drives the /console admin page in Debian's headless Chromium (through
// playwright-core) for tests/demo/console.rs, against the real imcloud
// binary: the operator signs in, creates an app, two users and a group,
// turns on the friend check and sensitive-word replacement, adds words
// (and imports a file of thousands), adds a callback rule and sends its
// test event to a receiver this script runs on 127.0.0.1, saves a push
// credential, edits the allow-list and watches the live figures; then
// two contexts sign in to /demo as the two users and exchange a group
// message. One argument, a JSON object:
//   {"chromium": "/usr/bin/chromium", "base": "http://127.0.0.1:P",
//    "secret": "<operator secret>", "artifacts": "…/target/console"}
// Prints one JSON line: {"ok": true, "facts": {…}, "requests": […],
// "blocked": […], "pageErrors": […], "screenshots": […]} or {"ok": false,
// "step", "error", …}. Every request to anything but 127.0.0.1 is aborted
// and listed in `blocked`.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { a11yProblems } = require('./checks');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const requests = [];
const websockets = [];
const blocked = [];
const pageErrors = [];
const logs = [];
const screenshots = [];
const facts = { a11y: [], received: [] };
let step = 'launch';

const DESKTOP = { width: 1200, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The app server of the callback rule: records what it gets, answers 200. */
function receiver() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        try { facts.received.push(JSON.parse(body)); } catch (e) { facts.received.push({ unparsed: body }); }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"received":true}');
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function open(browser, name, viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(15000);
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  context.on('request', (r) => requests.push(r.method() + ' ' + r.url()));
  const page = await context.newPage();
  page.on('websocket', (ws) => websockets.push(ws.url()));
  page.on('pageerror', (e) => pageErrors.push(name + ': ' + e.message));
  page.on('console', (m) => logs.push(name + ' ' + m.type() + ': ' + m.text()));
  // Deleting and dissolving ask first; this run says yes.
  page.on('dialog', (d) => d.accept());
  return { name, context, page };
}

async function shoot(u, file) {
  const p = path.join(cfg.artifacts, file);
  await u.page.screenshot({ path: p, fullPage: true });
  screenshots.push(p);
}

async function check(u, where) {
  facts.a11y.push(...await a11yProblems(u, where));
}

async function go(u, page) {
  await u.page.locator(`#nav a[data-page="${page}"]`).click();
  await u.page.locator('#page-' + page).waitFor({ state: 'visible' });
}

async function noticeSays(u, text) {
  await u.page.locator('#notice', { hasText: text }).waitFor();
}

async function operatorSignIn(u) {
  await u.page.goto(cfg.base + '/console', { waitUntil: 'load' });
  await u.page.getByLabel('Operator secret').fill(cfg.secret);
  await u.page.getByRole('button', { name: 'Sign in as operator' }).click();
  await u.page.locator('#page-apps').waitFor({ state: 'visible' });
}

(async () => {
  let browser;
  let hook;
  try {
    hook = await receiver();
    const hookUrl = `http://127.0.0.1:${hook.address().port}/imcloud-events`;
    browser = await chromium.launch({
      executablePath: cfg.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const op = await open(browser, 'operator', DESKTOP);

    step = 'a wrong operator secret is said plainly';
    await op.page.goto(cfg.base + '/console', { waitUntil: 'load' });
    await shoot(op, 'console-desktop-sign-in.png');
    await check(op, 'sign-in');
    await op.page.getByLabel('Operator secret').fill('not-the-secret');
    await op.page.getByRole('button', { name: 'Sign in as operator' }).click();
    await op.page.getByRole('alert').waitFor({ state: 'visible' });
    facts.wrongSecretAlert = await op.page.locator('#alert-text').textContent();
    await check(op, 'sign-in error');

    step = 'the operator creates an app';
    await operatorSignIn(op);
    await op.page.getByLabel('Organization').fill('Acme');
    await op.page.getByLabel('App name').fill('shop');
    await op.page.getByRole('button', { name: 'Create app' }).click();
    facts.badNameAlert = await op.page.locator('#alert-text').textContent();
    await op.page.getByLabel('Organization').fill('acme');
    await op.page.getByRole('button', { name: 'Create app' }).click();
    await noticeSays(op, 'acme#shop is created');
    await op.page.locator('#apps-table th', { hasText: 'acme#shop' }).waitFor();
    await check(op, 'apps');
    await shoot(op, 'console-desktop-apps.png');
    await op.page.getByRole('button', { name: 'Open acme#shop' }).first().click();
    await op.page.locator('#page-details').waitFor({ state: 'visible' });
    facts.details = await op.page.locator('#details-list').evaluate((dl) => {
      const out = {};
      const dts = dl.querySelectorAll('dt');
      for (const dt of dts) out[dt.textContent] = dt.nextElementSibling.textContent;
      return out;
    });
    await check(op, 'details');
    await shoot(op, 'console-desktop-details.png');

    step = 'two users';
    await go(op, 'users');
    for (const name of ['ann', 'ben']) {
      await op.page.getByLabel('User name').fill(name);
      await op.page.getByLabel('Password').fill('pw-' + name);
      await op.page.getByRole('button', { name: 'Create user' }).click();
      await noticeSays(op, `${name} is created`);
    }
    await op.page.locator('#users-table th', { hasText: 'ben' }).waitFor();
    await op.page.getByRole('button', { name: 'Manage ann' }).click();
    facts.annDevices = await op.page.locator('#user-devices').textContent();
    await check(op, 'users');
    await shoot(op, 'console-desktop-users.png');

    step = 'a group';
    await go(op, 'groups');
    await op.page.getByLabel('Group name').fill('Console team');
    await op.page.locator('#group-owner').fill('ann');
    await op.page.locator('#group-members').fill('ben');
    await op.page.getByRole('button', { name: 'Create group' }).click();
    await noticeSays(op, 'The group is created');
    facts.group = (/id (\d+)/.exec(await op.page.locator('#notice').textContent()) || [])[1];
    await op.page.getByRole('button', { name: 'Manage group Console team' }).click();
    await op.page.locator('#group-panel h4', { hasText: 'Members (2)' }).waitFor();
    facts.groupMembers = await op.page.locator('#group-panel ul[aria-label="Members"] li span').allTextContents();
    await check(op, 'groups');
    await shoot(op, 'console-desktop-groups.png');

    step = 'the friend check and word replacement';
    await go(op, 'settings');
    await op.page.locator('#setting-friend_check').waitFor();
    facts.settingsShown = await op.page.locator('#settings-fields .setting').count();
    await op.page.getByLabel('friend_check').check();
    await op.page.getByLabel('sensitive_words').selectOption('replace');
    await op.page.getByRole('button', { name: 'Save settings' }).click();
    await noticeSays(op, 'Settings saved');
    facts.settingsSaved = await op.page.locator('#notice').textContent();
    await check(op, 'settings');
    await shoot(op, 'console-desktop-settings.png');

    step = 'sensitive words: one typed, thousands imported, a search';
    await go(op, 'words');
    await op.page.getByLabel('Add words (one per line or comma-separated)').fill('badword');
    await op.page.locator('#add-words button[type=submit]').click();
    await noticeSays(op, '1 word added');
    const file = path.join(cfg.artifacts, 'words.txt');
    fs.writeFileSync(file, Array.from({ length: 3000 }, (_, i) => 'imported-' + i).join('\n') + '\n');
    await op.page.getByLabel('Import a file (one word per line, thousands at once)').setInputFiles(file);
    await op.page.getByRole('button', { name: 'Import', exact: true }).click();
    await noticeSays(op, 'Imported words.txt');
    facts.imported = await op.page.locator('#notice').textContent();
    await op.page.locator('#words-filter').fill('imported-299');
    await op.page.getByRole('button', { name: 'Search', exact: true }).click();
    await op.page.locator('#words-summary', { hasText: 'containing “imported-299”' }).waitFor();
    facts.searchFound = (await op.page.locator('#words-list li span').allTextContents()).sort();
    await op.page.getByRole('button', { name: 'Remove imported-2999' }).click();
    await noticeSays(op, '“imported-2999” is removed');
    await check(op, 'words');
    await shoot(op, 'console-desktop-words.png');

    step = 'a callback rule and its test event';
    await go(op, 'callbacks');
    await op.page.getByLabel('Name (A–Z, a–z, 0–9, _; at most 32)').fill('probe');
    await op.page.getByLabel('URL', { exact: true }).fill(hookUrl);
    await op.page.locator('#rule-event-chat').check();
    await op.page.getByLabel('keyword_alert').check();
    await op.page.getByRole('button', { name: 'Add rule' }).click();
    await noticeSays(op, 'Rule probe is added');
    await op.page.getByRole('button', { name: 'Send a test event to probe' }).click();
    await op.page.locator('.rule .result.good').waitFor();
    facts.testResult = await op.page.locator('.rule .result').textContent();
    await check(op, 'callbacks');
    await shoot(op, 'console-desktop-callbacks.png');

    step = 'a push credential, its secret never shown';
    await go(op, 'push');
    await op.page.getByLabel('Name', { exact: true }).fill('own-push');
    await op.page.getByLabel('Provider').selectOption('webhook');
    await op.page.getByLabel('URL of your push service').fill('http://127.0.0.1:9/push');
    await op.page.getByLabel('Signing secret (optional)').fill('very-secret-value');
    await op.page.getByRole('button', { name: 'Save credential' }).click();
    await noticeSays(op, 'Push credential own-push is saved');
    facts.pushRow = await op.page.locator('#push-table tbody tr', { hasText: 'own-push' }).textContent();
    await check(op, 'push');
    await shoot(op, 'console-desktop-push.png');

    step = 'the allow-list';
    await go(op, 'allow-list');
    await op.page.getByLabel('Address or CIDR block').fill('127.0.0.0/8');
    await op.page.locator('#allow-form button[type=submit]').click();
    await noticeSays(op, '127.0.0.0/8 is allowed');
    await op.page.getByLabel('Address or CIDR block').fill('not-an-address');
    await op.page.locator('#allow-form button[type=submit]').click();
    await op.page.getByRole('alert').waitFor({ state: 'visible' });
    facts.badAllowAlert = await op.page.locator('#alert-text').textContent();
    facts.allowList = await op.page.locator('#allow-entries li span').allTextContents();
    await check(op, 'allow-list');
    await shoot(op, 'console-desktop-allow-list.png');

    step = 'the console-made app works in the demo';
    const ann = await open(browser, 'ann', DESKTOP);
    const ben = await open(browser, 'ben', PHONE);
    for (const u of [ann, ben]) {
      await u.page.goto(cfg.base + '/demo', { waitUntil: 'load' });
      await u.page.getByLabel('App key').fill('acme#shop');
      await u.page.getByLabel('User name').fill(u.name);
      await u.page.getByLabel('Password').fill('pw-' + u.name);
      await u.page.getByRole('button', { name: 'Sign in' }).click();
      await u.page.waitForFunction(() => document.body.dataset.connection === 'online');
    }
    const gkey = `#conversations button[data-key="group:${facts.group}"]`;
    await ann.page.locator(gkey).click();
    await ann.page.getByLabel('Message', { exact: true }).fill('hello badword team');
    await ann.page.keyboard.press('Enter');
    await ben.page.locator(gkey).click();
    await ben.page.locator('#messages .msg .body', { hasText: 'team' }).waitFor();
    facts.benSaw = await ben.page.locator('#messages .msg .body').allTextContents();
    await ben.page.getByLabel('Message', { exact: true }).fill('hi ann');
    await ben.page.keyboard.press('Enter');
    await ann.page.locator('#messages .msg .body', { hasText: 'hi ann' }).waitFor();
    facts.annSaw = await ann.page.locator('#messages .msg .body').allTextContents();

    step = 'online devices and live figures';
    await go(op, 'users');
    await op.page.getByLabel('Find a user').fill('ann');
    await op.page.getByRole('button', { name: 'Find', exact: true }).click();
    await op.page.locator('#user-devices', { hasText: 'Online devices' }).waitFor();
    facts.annOnline = await op.page.locator('#user-devices').textContent();
    await go(op, 'metrics');
    await op.page.waitForFunction(() => {
      const t = document.getElementById('now-connections');
      return t && /^\d/.test(t.textContent);
    });
    // A second reading makes the rates.
    await op.page.waitForFunction(() => /^\d/.test(document.getElementById('now-messages').textContent) &&
      document.getElementById('chart-messages').getAttribute('aria-label').includes('now'));
    facts.connections = await op.page.locator('#now-connections').textContent();
    facts.chartLabels = await op.page.locator('#charts canvas').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
    await check(op, 'metrics');
    await shoot(op, 'console-desktop-metrics.png');

    step = 'phone width';
    const phone = await open(browser, 'phone', PHONE);
    await operatorSignIn(phone);
    await shoot(phone, 'console-phone-apps.png');
    await check(phone, 'phone apps');
    await phone.page.getByRole('button', { name: 'Open acme#shop' }).first().click();
    await phone.page.locator('#page-details').waitFor({ state: 'visible' });
    await shoot(phone, 'console-phone-details.png');
    for (const p of ['users', 'groups', 'settings', 'callbacks', 'metrics']) {
      await go(phone, p);
      await phone.page.waitForLoadState('networkidle');
      await shoot(phone, `console-phone-${p}.png`);
      await check(phone, 'phone ' + p);
    }
    facts.phoneOverflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    step = 'sign out';
    await op.page.getByRole('button', { name: 'Sign out' }).click();
    await op.page.locator('#sign-in-view').waitFor({ state: 'visible' });

    out({ ok: true, facts, requests, websockets, blocked, pageErrors, screenshots });
  } catch (e) {
    out({ ok: false, step, error: String(e && e.stack || e), facts, requests, websockets, blocked, pageErrors, screenshots, logs: logs.slice(-40) });
  } finally {
    if (browser) await browser.close();
    if (hook) hook.close();
  }
})();
