// Browser test of the operators' console (GET /console), in Debian's
// chromium driven by playwright-core:
//   node tests/browser/console_test.mjs EVENTMART_BIN OUT_DIR
// Starts `eventmart serve --demo` on a free port in a temporary directory,
// signs in with the admin token, drives a small load over HTTP (sign-ups,
// charges, coupon issues, paid orders), checks that the charts move, clicks
// a projection's Rebuild button and waits for the rebuild to finish, and
// saves OUT_DIR/console.png. Exit 0 when every check passes.
// CONSOLE_TEST_SECONDS (default 3) is how long the load runs after the
// checks, before the screenshot (longer makes a better picture).
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {chromium} from 'playwright-core';

const [bin, outDir] = process.argv.slice(2);
if (!bin || !outDir) {
  console.error('usage: node console_test.mjs EVENTMART_BIN OUT_DIR');
  process.exit(2);
}
const TOKEN = 'console-test-token';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

// Starts the server and resolves with its base URL once it prints
// "eventmart listening on http://HOST:PORT".
function startServer(dataDir) {
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--admin-token', TOKEN, '--demo'],
                      {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no start line within 30 s:\n' + stderr)), 30_000);
    createInterface({input: child.stdout}).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  return {child, url};
}

async function post(base, route, body, admin = false) {
  const headers = {'Content-Type': 'application/json'};
  if (admin) headers.Authorization = `Bearer ${TOKEN}`;
  const r = await fetch(base + route, {method: 'POST', headers, body: JSON.stringify(body)});
  const text = await r.text();
  return {status: r.status, body: text ? JSON.parse(text) : null};
}

// A small, steady load until `stop.now`: each round signs a user up,
// charges points, issues coupon 1 and places a paid order.
async function driveLoad(base, stop, counts) {
  const products = await (await fetch(`${base}/api/v1/products?limit=100`)).json();
  const options = [];
  for (const p of products.items) {
    const full = await (await fetch(`${base}/api/v1/products/${p.productId}`)).json();
    for (const o of full.options) if (o.stock > 0) options.push({productId: p.productId, optionId: o.optionId});
  }
  let round = 0;
  while (!stop.now) {
    const user = await post(base, '/api/v1/users', {name: `load-${round}`});
    if (user.status !== 201) throw new Error(`sign-up answered ${user.status}`);
    const id = user.body.userId;
    await post(base, `/api/v1/points/${id}/charge`, {amount: 1_000_000});
    await post(base, '/api/v1/coupons/1/issue', {userId: id});
    const item = options[round % options.length];
    const order = await post(base, '/api/v1/orders', {userId: id, items: [{...item, quantity: 1 + (round % 2)}], pay: true});
    if (order.status === 201) counts.paid += 1;
    await fetch(`${base}/api/v1/points/${id}`);
    await fetch(`${base}/api/v1/products/${item.productId}`);
    round += 1;
    counts.rounds = round;
    // A slow wave, so that the rate charts have a shape.
    await sleep(20 + 60 * (0.5 + 0.5 * Math.sin(round / 25)));
  }
}

// Waits until `predicate` (run in the page) returns a truthy value.
async function waitInPage(page, what, predicate, arg, timeoutMs = 20_000) {
  try {
    const handle = await page.waitForFunction(predicate, arg, {timeout: timeoutMs, polling: 250});
    const value = await handle.jsonValue();
    check(true, what);
    return value;
  } catch (e) {
    throw new Error(`check failed: ${what} (${e.message.split('\n')[0]})`);
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'eventmart-console-'));
  const server = startServer(dataDir);
  let browser;
  const stop = {now: false};
  let load = null;
  try {
    const base = await server.url;
    console.log(`# server at ${base}`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
    });
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Chromium logs every 4xx answer as an error; the console expects 401
    // for the wrong token and 404 from routes this server has not (feed,
    // cluster). Anything else (a CSP refusal, a script error) counts.
    page.on('console', (m) => {
      if (m.type() !== 'error' || /status of 40[14] /.test(m.text())) return;
      problems.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    const foreign = [];
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });

    // The page: served by the binary with a self-only policy.
    const response = await page.goto(`${base}/console`);
    check(response.status() === 200, 'GET /console answers 200');
    check(response.headers()['content-type'].startsWith('text/html'), 'the console is HTML');
    check(/default-src 'none'/.test(response.headers()['content-security-policy'] || ''),
          'the console has a restrictive Content-Security-Policy');
    await page.locator('#login-form').waitFor({state: 'visible'});
    check(await page.evaluate(() => typeof window.uPlot === 'function'), 'uPlot is loaded from the binary');

    // A wrong token is refused; the right one opens the dashboard.
    await page.fill('#token', 'not-the-token');
    await page.click('#login-form button[type=submit]');
    await page.locator('#login-error').filter({hasText: /not the admin token/}).waitFor({timeout: 5000});
    check(await page.locator('#dashboard').isHidden(), 'a wrong token keeps the dashboard closed');
    await page.fill('#token', TOKEN);
    await page.click('#login-form button[type=submit]');
    await page.locator('#dashboard').waitFor({state: 'visible', timeout: 5000});
    check(await page.evaluate(() => sessionStorage.getItem('eventmart.adminToken')) === TOKEN,
          'the token is kept in sessionStorage');
    await waitInPage(page, 'the projections are listed', () =>
      document.querySelectorAll('#projection-list li[data-projection]').length >= 6);
    const startPosition = Number(await page.getAttribute('li[data-projection="orders"]', 'data-position'));

    // Load, and the charts move.
    const counts = {rounds: 0, paid: 0};
    load = driveLoad(base, stop, counts);
    const nonZero = (name) => {
      const c = window.eventmartConsole.chart(name);
      return c && Object.values(c.series).some((s) => s.some((v) => v > 0));
    };
    await waitInPage(page, 'the commands chart has non-zero rates', nonZero, 'commands');
    await waitInPage(page, 'the queries chart has non-zero rates', nonZero, 'queries');
    await waitInPage(page, 'the p99 latency chart has points', nonZero, 'latency');
    await waitInPage(page, 'the commit fsync latency chart has points', nonZero, 'fsync');
    await waitInPage(page, 'the commit group chart has points', nonZero, 'groups');
    await waitInPage(page, 'the commands chart shows PlaceOrder', () =>
      window.eventmartConsole.chart('commands').names.includes('PlaceOrder'));
    await waitInPage(page, "the orders projection's position increases",
      (start) => Number(document.querySelector('li[data-projection="orders"]').dataset.position) > start, startPosition);
    await waitInPage(page, 'the log head series grows', () => {
      const s = window.eventmartConsole.chart('projectionPosition').series['log head'].filter((v) => v != null);
      return s.length > 1 && s[s.length - 1] > s[0];
    });
    await waitInPage(page, 'the best sellers chart ranks products', () =>
      window.eventmartConsole.chart('best').labels.length > 0);
    await waitInPage(page, "the coupons chart shows coupon 1's remaining quantity going down", () => {
      const c = window.eventmartConsole.chart('coupons');
      return c.labels.length >= 1 && c.series.remaining[0] < c.series.total[0];
    });
    check(await page.locator('#chart-commands canvas').count() === 1, 'the commands chart is drawn by uPlot (a canvas)');
    check(await page.locator('#card-cluster').isHidden(), 'no cluster section on a single server (it answers as a cluster of one)');

    // Rebuild a projection from its button, and see it finish.
    const row = page.locator('li[data-projection="coupons"]');
    const [rebuildResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/projections/coupons/rebuild')),
      row.locator('button').click(),
    ]);
    check(rebuildResponse.status() === 202, 'the Rebuild button is accepted (202)');
    check(rebuildResponse.request().headers().authorization === `Bearer ${TOKEN}`, 'the rebuild is sent with the admin token');
    await waitInPage(page, 'the coupons projection is shown as rebuilt and live again', () => {
      const li = document.querySelector('li[data-projection="coupons"]');
      return li.dataset.rebuilt === 'yes' && li.dataset.state === 'live' &&
             /coupons: rebuilt/.test(document.getElementById('projection-message').textContent);
    }, undefined, 30_000);

    // A little more load so the screenshot shows a few minutes' shape.
    await sleep(1000 * Number(process.env.CONSOLE_TEST_SECONDS || 3));
    stop.now = true;
    await load;
    load = null;
    check(counts.paid > 0, `the load placed paid orders (${counts.paid} in ${counts.rounds} rounds)`);
    await page.screenshot({path: path.join(outDir, 'console.png'), fullPage: true});
    console.log(`# screenshot ${path.join(outDir, 'console.png')}`);

    check(foreign.length === 0, `the page asks nothing of another origin ${foreign.join(' ')}`);
    check(problems.length === 0, `no page errors, console errors or failed requests ${problems.join('; ')}`);
  } finally {
    stop.now = true;
    if (load) await load.catch(() => {});
    if (browser) await browser.close();
    server.child.kill('SIGTERM');
    await new Promise((r) => (server.child.exitCode != null ? r() : server.child.on('exit', r)));
    rmSync(dataDir, {recursive: true, force: true});
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
