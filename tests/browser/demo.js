// Drives the /demo chat page in Debian's headless Chromium (through
// playwright-core) for tests/demo: two browser contexts, one per user,
// against the real imcloud binary. One argument, a JSON object:
//   {"chromium": "/usr/bin/chromium", "base": "http://127.0.0.1:P",
//    "appkey": "demo#chat", "a": "alice", "b": "bob", "group": "<id>",
//    "groupName": "…", "room": "<id>", "roomName": "…",
//    "artifacts": "…/target/demo"}
// With "assetsDir" (src/web/assets) the page's files are answered from
// that folder instead of the binary: for iterating on the page against an
// older binary without rebuilding; the Rust test never sets it.
// Prints one JSON line: {"ok": true, "facts": {…}, "requests": […],
// "websockets": […], "blocked": […], "pageErrors": […], "screenshots": […]}
// or {"ok": false, "step": "…", "error": "…", …}. Every request to
// anything but 127.0.0.1 is aborted and listed in `blocked`.
'use strict';

const path = require('path');
const { noisePng, a11yProblems } = require('./checks');

const { chromium } = require('playwright-core');

const cfg = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const requests = [];
const websockets = [];
const blocked = [];
const pageErrors = [];
const logs = [];
const screenshots = [];
const facts = {};
let step = 'launch';
const ASSETS = {
  '/demo': ['demo.html', 'text/html'],
  '/demo/demo.js': ['demo.js', 'text/javascript'],
  '/demo/demo.css': ['demo.css', 'text/css'],
  '/demo/demo-images.js': ['demo-images.js', 'text/javascript'],
  '/demo/demo-messages.js': ['demo-messages.js', 'text/javascript'],
  '/demo/demo-people.js': ['demo-people.js', 'text/javascript'],
  '/sdk/imcloud.js': ['imcloud.js', 'text/javascript'],
};

async function newUser(browser, name, viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(15000);
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    const asset = cfg.assetsDir && ASSETS[u.pathname];
    if (u.hostname === '127.0.0.1' && asset) {
      return route.fulfill({ path: path.join(cfg.assetsDir, asset[0]), contentType: asset[1] });
    }
    if (u.hostname === '127.0.0.1') return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  context.on('request', (r) => requests.push(r.method() + ' ' + r.url()));
  const page = await context.newPage();
  page.on('websocket', (ws) => websockets.push(ws.url()));
  page.on('pageerror', (e) => pageErrors.push(name + ': ' + e.message));
  page.on('console', (m) => logs.push(name + ' ' + m.type() + ': ' + m.text()));
  return { name, context, page };
}


async function shoot(u, file) {
  const p = path.join(cfg.artifacts, file);
  await u.page.screenshot({ path: p, fullPage: false });
  screenshots.push(p);
}

async function online(u) {
  await u.page.waitForFunction(() => document.body.dataset.connection === 'online');
}

async function signIn(u) {
  await u.page.goto(cfg.base + '/demo', { waitUntil: 'load' });
  await u.page.getByLabel('App key').fill(cfg.appkey);
  await u.page.getByLabel('User name').fill(u.name);
  await u.page.getByLabel('Password').fill('pw-' + u.name);
  await u.page.getByRole('button', { name: 'Sign in' }).click();
  await online(u);
  await u.page.locator('#chat-view').waitFor({ state: 'visible' });
}

const conv = (u, key) => u.page.locator(`#conversations button[data-key="${key}"]`);
const msgs = (u) => u.page.locator('#messages .msg');
const msgWith = (u, text) => u.page.locator('#messages .msg', { has: u.page.locator('.body', { hasText: new RegExp('^' + text + '$') }) });

async function say(u, text) {
  await u.page.getByLabel('Message', { exact: true }).fill(text);
  await u.page.keyboard.press('Enter');
}

/** Waits until every message of `u` written so far is acked. */
async function allAcked(u) {
  await u.page.waitForFunction(() => document.querySelectorAll('#messages .msg.mine[data-msg-id=""]').length === 0);
}

async function badge(u, key) {
  const b = conv(u, key).locator('.badge');
  return (await b.count()) ? (await b.textContent()) : '0';
}

/** The visible message texts, and whether any msg id shows twice. */
async function view(u) {
  return u.page.evaluate(() => {
    const items = Array.from(document.querySelectorAll('#messages .msg'));
    const ids = items.map((li) => li.dataset.msgId).filter(Boolean);
    return { texts: items.map((li) => li.querySelector('.body').textContent), ids, duplicateIds: ids.length - new Set(ids).size };
  });
}

(async () => {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: cfg.chromium,
      headless: true,
      // playwright-core gives each launch a fresh, temporary profile.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync']
        // A fulfilled page has no address, so Chromium takes it for a
        // public one and refuses its WebSocket to the loopback.
        .concat(cfg.assetsDir ? ['--disable-features=LocalNetworkAccessChecks'] : []),
    });
    const a = await newUser(browser, cfg.a, { width: 1200, height: 760 });
    const b = await newUser(browser, cfg.b, { width: 390, height: 844 });

    step = 'a wrong password is said plainly';
    await a.page.goto(cfg.base + '/demo', { waitUntil: 'load' });
    await shoot(a, 'demo-desktop-sign-in.png');
    facts.a11y = await a11yProblems(a, 'sign-in');
    await a.page.getByLabel('User name').fill(cfg.a);
    await a.page.getByLabel('Password').fill('not-the-password');
    await a.page.getByRole('button', { name: 'Sign in' }).click();
    await a.page.getByRole('alert').waitFor({ state: 'visible' });
    facts.wrongPasswordAlert = await a.page.locator('#alert-text').textContent();
    facts.a11y.push(...await a11yProblems(a, 'sign-in error'));

    step = 'both sign in';
    await signIn(a);
    await signIn(b);

    step = 'a asks b to be a contact';
    await a.page.getByRole('tab', { name: /Contacts/ }).click();
    await a.page.getByLabel('Add a contact').fill(cfg.b);
    await a.page.getByLabel('Message with the request (optional)').fill('let us chat');
    await a.page.getByRole('button', { name: 'Send request' }).click();

    step = 'b accepts';
    await b.page.getByRole('tab', { name: /Contacts/ }).click();
    await b.page.locator(`#requests li[data-user="${cfg.a}"]`).waitFor();
    facts.requestShown = await b.page.locator(`#requests li[data-user="${cfg.a}"] span`).textContent();
    await b.page.getByRole('button', { name: 'Accept ' + cfg.a }).click();
    await b.page.locator(`#contacts li[data-user="${cfg.a}"]`).waitFor();
    await a.page.locator(`#contacts li[data-user="${cfg.b}"]`).waitFor();
    // Contacts are followed: b is online (a green dot).
    await a.page.locator(`#contacts li[data-user="${cfg.b}"] .dot.on[aria-label="online"]`).waitFor();

    step = '1:1: a writes, b sees it unread, opens it, a sees it read';
    await a.page.getByRole('button', { name: 'Chat with ' + cfg.b }).click();
    await say(a, 'hello bob');
    await allAcked(a);
    await b.page.getByRole('tab', { name: /Chats/ }).click();
    await conv(b, 'single:' + cfg.a).locator('.badge', { hasText: '1' }).waitFor();
    await conv(b, 'single:' + cfg.a).click();
    await msgWith(b, 'hello bob').waitFor();
    await msgWith(a, 'hello bob').locator('.mark', { hasText: 'Read' }).waitFor();
    await say(b, 'hi alice');
    await msgWith(a, 'hi alice').waitFor();

    step = 'group chat';
    const gkey = 'group:' + cfg.group;
    await a.page.getByRole('tab', { name: /Chats/ }).click();
    await conv(a, gkey).waitFor();
    await conv(a, gkey).click();
    await a.page.locator('#chat-title', { hasText: cfg.groupName }).waitFor();
    await say(a, 'hello team');
    await allAcked(a);
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await conv(b, gkey).locator('.badge', { hasText: '1' }).waitFor();
    await conv(b, gkey).click();
    await msgWith(b, 'hello team').locator('.from', { hasText: cfg.a }).waitFor();
    await say(b, 'hi team');
    await msgWith(a, 'hi team').waitFor();

    step = 'an image in the group arrives as a thumbnail, and opens in full';
    const png = path.join(cfg.artifacts, 'upload.png');
    noisePng(png, 400, 300);
    await a.page.locator('#image-file').setInputFiles(png);
    await allAcked(a);
    const thumb = b.page.getByRole('button', { name: 'Open image upload.png' });
    await thumb.waitFor();
    await b.page.waitForFunction(() => {
      const img = document.querySelector('#messages .thumb img');
      return img && img.complete && img.naturalWidth > 0;
    });
    facts.thumbnail = await thumb.locator('img').evaluate((img) => ({ width: img.naturalWidth, height: img.naturalHeight, alt: img.alt }));
    await thumb.click();
    await b.page.waitForFunction(() => {
      const img = document.getElementById('viewer-img');
      return img.complete && img.naturalWidth > 0;
    });
    facts.fullImage = await b.page.locator('#viewer-img').evaluate((img) => ({ width: img.naturalWidth, height: img.naturalHeight }));
    await shoot(b, 'demo-phone-image.png');
    await b.page.keyboard.press('Escape');
    await b.page.locator('#viewer').waitFor({ state: 'hidden' });

    step = 'a writes 22 more; b reloads and sees the unread count and the history, paged';
    await conv(a, 'single:' + cfg.b).click();
    for (let i = 1; i <= 22; i++) await say(a, 'm' + i);
    await allAcked(a);
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await conv(b, 'single:' + cfg.a).locator('.badge', { hasText: '22' }).waitFor();
    await b.page.reload({ waitUntil: 'load' });
    await online(b);
    await conv(b, 'single:' + cfg.a).locator('.badge', { hasText: '22' }).waitFor();
    facts.unreadAfterReload = await badge(b, 'single:' + cfg.a);
    facts.groupUnreadAfterReload = await badge(b, gkey);
    await shoot(b, 'demo-phone-conversations.png');
    facts.a11y.push(...await a11yProblems(b, 'phone conversations'));
    await conv(b, 'single:' + cfg.a).click();
    await msgWith(b, 'm22').waitFor();
    facts.firstPage = (await view(b)).texts.length;
    await b.page.getByRole('button', { name: 'Load older messages' }).click();
    await msgWith(b, 'hello bob').waitFor();
    facts.afterPaging = (await view(b)).texts;
    await b.page.getByRole('button', { name: 'Load older messages' }).waitFor({ state: 'hidden' });

    step = 'a recalls m22 and it disappears on b';
    await msgWith(a, 'm22').getByRole('button', { name: /^Recall/ }).click();
    await msgWith(a, 'm22').waitFor({ state: 'detached' });
    await msgWith(b, 'm22').waitFor({ state: 'detached' });
    facts.afterRecallOnB = (await view(b)).texts.slice(-2);

    step = 'both join the chat room; b sees a\'s message and the recent ones';
    const rkey = 'chatroom:' + cfg.room;
    await a.page.getByLabel('Join a chat room').fill(cfg.room);
    await a.page.getByRole('button', { name: 'Join', exact: true }).click();
    await a.page.locator('#chat-title', { hasText: cfg.roomName }).waitFor();
    await say(a, 'first in the room');
    await allAcked(a);
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await b.page.getByLabel('Join a chat room').fill(cfg.room);
    await b.page.getByRole('button', { name: 'Join', exact: true }).click();
    // The join brings the room's recent messages.
    await msgWith(b, 'first in the room').locator('.from', { hasText: cfg.a }).waitFor();
    await say(a, 'hello room');
    await msgWith(b, 'hello room').waitFor();
    await say(b, 'hi room');
    await msgWith(a, 'hi room').waitFor();
    await conv(a, 'single:' + cfg.b).click();
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await conv(b, 'single:' + cfg.a).click();

    step = 'a second imcloud.js client in b\'s page, by password, for the raw events';
    // It counts the `message` events per msg id through everything below.
    facts.probeLogin = await b.page.evaluate(async (user) => {
      const probe = { counts: {}, synced: 0, states: [] };
      window.probe = probe;
      const c = new Imcloud.Client({ url: 'ws://' + location.host + '/ws', appkey: 'demo#chat',
        user, password: 'pw-' + user, device: 'probe' });
      probe.client = c;
      c.on('message', (m) => { probe.counts[m.msg_id] = (probe.counts[m.msg_id] || 0) + 1; });
      c.on('synced', () => { probe.synced += 1; });
      c.on('state', (s) => probe.states.push(s));
      const r = await c.connect();
      return { user: r.user, device: r.device };
    }, cfg.b);
    await b.page.waitForFunction(() => window.probe.synced >= 1);

    step = 'b loses the network; a writes; b writes; b comes back and catches up once';
    const syncsBefore = Number(await b.page.evaluate(() => document.body.dataset.syncs || 0));
    await b.context.setOffline(true);
    await b.page.waitForFunction(() => document.body.dataset.connection !== 'online');
    facts.offlineStatus = await b.page.locator('#status').textContent();
    for (const t of ['away 1', 'away 2', 'away 3']) await say(a, t);
    await allAcked(a);
    await say(b, 'written offline');
    await msgWith(b, 'written offline').locator('.mark', { hasText: 'Sending' }).waitFor();
    await shoot(b, 'demo-phone-offline.png');
    // The probe forgets its cursors: its catch-up replays everything it
    // has emitted already, which must not be emitted again.
    await b.page.evaluate(() => { window.probe.client.cursors = {}; });
    await b.context.setOffline(false);
    await online(b);
    await msgWith(b, 'away 3').waitFor();
    await allAcked(b);
    await msgWith(a, 'written offline').waitFor();
    // Count only once the catch-up sync is over and a later message came
    // through: a duplicate would have been shown by then.
    await b.page.waitForFunction((n) => Number(document.body.dataset.syncs || 0) > n, syncsBefore);
    await say(a, 'barrier');
    await msgWith(b, 'barrier').waitFor();
    const bv = await view(b);
    const av = await view(a);
    facts.bAfterCatchUp = bv;
    facts.aAfterCatchUp = av;
    facts.awayOnB = ['away 1', 'away 2', 'away 3'].map((t) => bv.texts.filter((x) => x === t).length);
    facts.offlineOnA = av.texts.filter((x) => x === 'written offline').length;
    await b.page.waitForFunction(() => window.probe.synced >= 2 && window.probe.client.state === 'online');
    // The probe has its own socket: the last message may reach it after
    // the page. Wait for every message on b's screen (within the deadline).
    await b.page.waitForFunction((ids) => ids.every((id) => window.probe.counts[id]), bv.ids)
      .catch(() => { /* the Rust side names what the probe missed */ });
    facts.probe = await b.page.evaluate(() => ({ counts: window.probe.counts, synced: window.probe.synced,
      states: window.probe.states, outbox: window.probe.client.outbox.length }));

    step = 'a edits a message; b sees the new text';
    await msgWith(a, 'away 3').getByRole('button', { name: /^Edit/ }).click();
    await a.page.getByLabel('Edit message').fill('away 3, edited');
    await a.page.keyboard.press('Enter');
    await msgWith(b, 'away 3, edited').locator('.meta', { hasText: 'edited' }).waitFor();
    await msgWith(a, 'away 3, edited').waitFor();
    facts.editedOnB = (await view(b)).texts.filter((t) => t.startsWith('away 3'));

    step = 'b is back in the room after the reconnect';
    await conv(a, rkey).click();
    await say(a, 'room after the reconnect');
    await allAcked(a);
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await conv(b, rkey).locator('.badge', { hasText: '1' }).waitFor();
    await conv(b, rkey).click();
    await msgWith(b, 'room after the reconnect').waitFor();
    facts.roomOnB = (await view(b)).texts;
    await shoot(b, 'demo-phone-room.png');
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await conv(b, 'single:' + cfg.a).click();
    await conv(a, 'single:' + cfg.b).click();

    step = 'screenshots at desktop and phone width';
    await shoot(a, 'demo-desktop-chat.png');
    facts.a11y.push(...await a11yProblems(a, 'desktop chat'));
    await b.page.getByRole('button', { name: 'Back to the conversations' }).click();
    await b.page.getByRole('tab', { name: /Contacts/ }).click();
    facts.a11y.push(...await a11yProblems(b, 'phone contacts'));
    await b.page.getByRole('tab', { name: /Chats/ }).click();
    await conv(b, 'single:' + cfg.a).click();
    await shoot(b, 'demo-phone-chat.png');
    facts.a11y.push(...await a11yProblems(b, 'phone chat'));
    await a.page.setViewportSize({ width: 390, height: 844 });
    await shoot(a, 'demo-phone-chat-a.png');
    await b.page.setViewportSize({ width: 1200, height: 760 });
    await shoot(b, 'demo-desktop-chat-b.png');

    step = 'b signs out; a sees b offline';
    // The same device logging in again replaces the probe: it is kicked
    // and stays closed instead of kicking the newcomer back.
    facts.kick = await b.page.evaluate(async (user) => {
      const first = window.probe.client;
      const kicked = new Promise((resolve) => first.on('kick', resolve));
      const second = new Imcloud.Client({ url: 'ws://' + location.host + '/ws', appkey: 'demo#chat',
        user, password: 'pw-' + user, device: 'probe' });
      await second.connect();
      const reason = await kicked;
      await new Promise((resolve) => (first.state === 'closed' ? resolve() : first.on('state', (s) => s === 'closed' && resolve())));
      const secondState = second.state;
      second.close();
      return { reason, first: first.state, second: secondState };
    }, cfg.b);
    // a is at phone width in a chat now: its list is there but hidden.
    await a.page.locator(`#conversations button[data-key="single:${cfg.b}"] .dot.on`).waitFor({ state: 'attached' });
    await b.page.getByRole('button', { name: 'Sign out' }).click();
    await b.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await a.page.locator(`#conversations button[data-key="single:${cfg.b}"] .dot.off[aria-label="offline"]`).waitFor({ state: 'attached' });
    facts.signedOut = await b.page.locator('#status').textContent();

    out({ ok: true, facts, requests, websockets, blocked, pageErrors, screenshots });
  } catch (e) {
    out({ ok: false, step, error: String(e && e.stack || e), facts, requests, websockets, blocked, pageErrors, screenshots, logs: logs.slice(-40) });
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
})();
