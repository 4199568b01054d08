// Runs tests/websdk/page.html in headless Chromium (Debian's, driven by
// playwright-core) for tests/msync/browser.rs. One argument, a JSON object:
//   {"chromium": "/usr/bin/chromium", "page": "http://127.0.0.1:P/page.html?…",
//    "screenshot": "…/chromium-core.png", "userDataDir": "…"}
// Prints one JSON line: {"ok": true, "result": …, "requests": […]} or
// {"ok": false, "error": "…", "requests": […]}. Every request the page makes
// to anything but 127.0.0.1 is aborted and listed in `blocked`.
'use strict';

const { chromium } = require('playwright-core');

const cfg = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

(async () => {
  const requests = [];
  const blocked = [];
  const logs = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(cfg.userDataDir, {
      executablePath: cfg.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 560 },
    });
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === '127.0.0.1') return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('request', (r) => requests.push(r.method() + ' ' + r.url()));
    page.on('console', (m) => logs.push(m.type() + ': ' + m.text()));
    page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
    await page.goto(cfg.page, { waitUntil: 'load' });
    const result = await page.evaluate(() => window.runScenario());
    await page.screenshot({ path: cfg.screenshot, fullPage: true });
    out({ ok: true, result, requests, blocked });
  } catch (e) {
    out({ ok: false, error: String(e && e.stack || e), requests, blocked, logs: logs.slice(-40) });
  } finally {
    if (context) await context.close().catch(() => {});
  }
})();
