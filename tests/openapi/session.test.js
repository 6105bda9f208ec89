// Drives a realistic session against the built `eventmart serve` and checks
// every response against docs/openapi.yaml with validators nobody here wrote
// (swagger-parser to read the document, openapi-response-validator for the
// bodies), so that the document and the server cannot drift apart.
//
//   node tests/openapi/session.test.js EVENTMART_BIN DOCS_OPENAPI_YAML
//
// Each response must have a status the operation lists, the content type it
// lists, a body its schema accepts, and no field the schema does not name.
// Every operation of the document must be exercised at least once.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const SwaggerParser = require('@apidevtools/swagger-parser');
const OpenAPIResponseValidator = require('openapi-response-validator').default;

const [bin, docPath] = process.argv.slice(2);
if (!bin || !docPath) {
  console.error('usage: node session.test.js EVENTMART_BIN DOCS_OPENAPI_YAML');
  process.exit(2);
}
const ADMIN = { Authorization: 'Bearer openapi-test-token' };

// ---------------------------------------------------------------------------
// The document

let api;  // dereferenced document
const operations = [];  // {method, template, regex, literal, op}
const exercised = new Map();  // "METHOD template" -> Set of statuses

function indexOperations(doc) {
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+');
    for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
      if (!item[method]) continue;
      operations.push({
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${pattern}$`),
        literal: !template.includes('{'),
        op: item[method],
      });
    }
  }
}

// The operation a request lands on: literal paths win over templates
// (/api/v1/products/best is not /api/v1/products/{productId}), as in the router.
function findOperation(method, pathname) {
  const matches = operations.filter((o) => o.method === method && o.regex.test(pathname));
  return matches.find((o) => o.literal) || matches[0];
}

// Names of properties `value` has that `schema` does not declare (drift the
// validator itself would accept, since the schemas leave additionalProperties open).
function undeclared(schema, value, where) {
  if (!schema || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    return schema.items ? value.flatMap((v, i) => undeclared(schema.items, v, `${where}[${i}]`)) : [];
  }
  const parts = [schema, ...(schema.allOf || [])];
  const declared = new Map();
  for (const p of parts) for (const [k, s] of Object.entries(p.properties || {})) declared.set(k, s);
  if (declared.size === 0) return [];
  return Object.keys(value).flatMap((k) =>
    declared.has(k) ? undeclared(declared.get(k), value[k], `${where}.${k}`) : [`${where}.${k}`]);
}

function checkBody(label, responses, status, contentType, text) {
  const spec = responses[String(status)];
  const content = spec.content || {};
  if (status === 204 || Object.keys(content).length === 0) {
    assert.equal(text, '', `${label}: ${status} has no body in the document`);
    return;
  }
  const mediaType = Object.keys(content).find((m) => contentType.split(';')[0].trim() === m);
  assert.ok(mediaType, `${label}: content type '${contentType}' is not one of ${Object.keys(content)}`);
  if (mediaType !== 'application/json') return;  // Prometheus text and YAML are not JSON
  let body;
  assert.doesNotThrow(() => { body = JSON.parse(text); }, `${label}: body is not JSON: ${text.slice(0, 200)}`);
  const validator = new OpenAPIResponseValidator({ responses: { [status]: spec } });
  const errors = validator.validateResponse(status, body);
  assert.equal(errors, undefined, `${label}: ${JSON.stringify(errors, null, 1)}\nbody: ${text.slice(0, 500)}`);
  const extra = undeclared(content[mediaType].schema, body, 'body');
  assert.deepEqual(extra, [], `${label}: fields the document does not describe`);
}

// ---------------------------------------------------------------------------
// The server

let server;
let base;

function startServer(dataDir) {
  return new Promise((resolve, reject) => {
    // A per-user coupon-issue limit high enough for the session, so that one
    // user hammering the route meets a 429 (the waiting-room test).
    server = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--demo',
      '--rate-limit', 'coupon-issue=1/s:20'], {
      env: { ...process.env, EVENTMART_ADMIN_TOKEN: ADMIN.Authorization.slice('Bearer '.length) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = [];
    const timer = setTimeout(() => reject(new Error(`no start line in 30 s:\n${log.join('\n')}`)), 30000);
    const onLine = (line) => {
      log.push(line);
      const m = /eventmart listening on (http:\/\/[^\s]+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    readline.createInterface({ input: server.stdout }).on('line', onLine);
    readline.createInterface({ input: server.stderr }).on('line', onLine);
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${log.join('\n')}`)));
  });
}

// Sends a request and checks the answer against the document. Returns
// {status, body (parsed JSON or text), headers}.
async function call(method, pathAndQuery, { body, headers = {}, expect } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + pathAndQuery, init);
  const text = await res.text();
  const label = `${method} ${pathAndQuery} -> ${res.status}`;
  const pathname = new URL(base + pathAndQuery).pathname;
  const operation = findOperation(method, pathname);
  const contentType = res.headers.get('content-type') || '';
  if (operation) {
    const key = `${method} ${operation.template}`;
    if (!exercised.has(key)) exercised.set(key, new Set());
    exercised.get(key).add(res.status);
    assert.ok(operation.op.responses[String(res.status)],
      `${label}: status not listed by the operation (${Object.keys(operation.op.responses)}); body ${text}`);
    checkBody(label, operation.op.responses, res.status, contentType, text);
  } else {
    // No operation: another method on a known path, or no such path.
    const known = operations.some((o) => o.regex.test(pathname));
    const expected = known ? [405, 'MethodNotAllowed', 'METHOD_NOT_ALLOWED'] : [404, 'NotFound', 'NOT_FOUND'];
    assert.equal(res.status, expected[0], label);
    checkBody(label, { [expected[0]]: api.components.responses[expected[1]] }, res.status, contentType, text);
    assert.equal(JSON.parse(text).code, expected[2], label);
  }
  if (expect !== undefined) {
    const [status, code] = Array.isArray(expect) ? expect : [expect];
    assert.equal(res.status, status, `${label}: expected ${status}; body ${text}`);
    if (code) assert.equal(JSON.parse(text).code, code, `${label}: ${text}`);
  }
  let parsed = text;
  if (contentType.startsWith('application/json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers, text };
}

// ---------------------------------------------------------------------------

test('every response of a session matches docs/openapi.yaml', { timeout: 120000 }, async (t) => {
  const docText = fs.readFileSync(docPath);
  await SwaggerParser.validate(docPath);
  api = await SwaggerParser.dereference(docPath);
  indexOperations(api);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventmart-openapi-'));
  t.after(() => {
    if (server && server.exitCode === null) server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  base = await startServer(path.join(dataDir, 'data'));

  await t.test('operations routes and the document itself', async () => {
    await call('GET', '/healthz', { expect: 200 });
    await call('GET', '/readyz', { expect: 200 });
    const metrics = await call('GET', '/metrics', { expect: 200 });
    assert.match(metrics.text, /^eventmart_http_requests_total\{/m);
    const served = await call('GET', '/openapi.yaml', { expect: 200 });
    assert.ok(Buffer.from(served.text).equals(docText), 'GET /openapi.yaml differs from docs/openapi.yaml');
  });

  let user, other, productId, optionIds, couponId;
  await t.test('users and points', async () => {
    user = (await call('POST', '/api/v1/users', { body: { name: 'openapi' }, expect: 201 })).body.userId;
    other = (await call('POST', '/api/v1/users', { body: { name: 'other' }, expect: 201 })).body.userId;
    await call('POST', '/api/v1/users', { body: {}, expect: [400, 'INVALID_REQUEST'] });
    await call('POST', '/api/v1/users', { body: '{"name":', expect: [400, 'INVALID_REQUEST'] });
    await call('GET', `/api/v1/points/${user}`, { expect: 200 });
    await call('GET', '/api/v1/points/abc', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/points/999999', { expect: [404, 'USER_NOT_FOUND'] });
    const key = { 'Idempotency-Key': 'openapi-charge-1' };
    const first = await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 500000 }, headers: key, expect: 200 });
    const again = await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 500000 }, headers: key, expect: 200 });
    assert.deepEqual(again.body, first.body);
    await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 1 }, headers: key, expect: [422, 'IDEMPOTENCY_KEY_REUSED'] });
    await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 10 }, headers: { 'Idempotency-Key': '' }, expect: [400, 'INVALID_REQUEST'] });
    await call('POST', `/api/v1/points/${other}/charge`, { body: { amount: 100000 }, expect: 200 });
    await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 0 }, expect: [400, 'INVALID_AMOUNT'] });
    await call('POST', `/api/v1/points/${user}/charge`, { body: { amount: 20000000 }, expect: [409, 'BALANCE_LIMIT_EXCEEDED'] });
    await call('POST', '/api/v1/points/999999/charge', { body: { amount: 1 }, expect: [404, 'USER_NOT_FOUND'] });
  });

  await t.test('products (admin create and restock, list and read)', async () => {
    const product = {
      name: 'OpenAPI Mug',
      options: [{ name: 'Red', price: 12000, stock: 5 }, { name: 'Blue', price: 13000, stock: 0 }],
    };
    await call('POST', '/api/v1/admin/products', { body: product, expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/products', { body: { name: 'x', options: 3 }, headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    const created = await call('POST', '/api/v1/admin/products', { body: product, headers: ADMIN, expect: 201 });
    productId = created.body.productId;
    optionIds = created.body.options.map((o) => o.optionId);
    await call('POST', '/api/v1/admin/products', { body: { name: 'Sticker', price: 500, stock: 100 }, headers: ADMIN, expect: 201 });
    await call('POST', `/api/v1/admin/products/${productId}/options/${optionIds[1]}/restock`, { body: { quantity: 3 }, headers: ADMIN, expect: 200 });
    await call('POST', `/api/v1/admin/products/${productId}/options/${optionIds[1]}/restock`, { body: { quantity: 3 }, expect: [401, 'UNAUTHORIZED'] });
    await call('POST', `/api/v1/admin/products/999999/options/1/restock`, { body: { quantity: 3 }, headers: ADMIN, expect: [404, 'PRODUCT_NOT_FOUND'] });
    await call('POST', `/api/v1/admin/products/${productId}/options/${optionIds[1]}/restock`, { body: { quantity: 0 }, headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    const page = await call('GET', '/api/v1/products?limit=2', { expect: 200 });
    assert.ok(page.body.nextCursor);
    await call('GET', `/api/v1/products?limit=2&cursor=${page.body.nextCursor}`, { expect: 200 });
    await call('GET', '/api/v1/products?includeSoldOut=true&limit=100', { expect: 200 });
    await call('GET', '/api/v1/products?includeSoldOut=maybe', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/products?limit=0', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', `/api/v1/products/${productId}`, { expect: 200 });
    await call('GET', '/api/v1/products/abc', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/products/999999', { expect: [404, 'PRODUCT_NOT_FOUND'] });
  });

  await t.test('coupons (admin create, issue, read, list)', async () => {
    const coupon = { name: 'OpenAPI 1000', discountType: 'FIXED', discountValue: 1000, totalQuantity: 2, expiresAt: '2030-01-01T00:00:00Z' };
    await call('POST', '/api/v1/admin/coupons', { body: coupon, expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/coupons', { body: { ...coupon, discountType: 'HALF' }, headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    couponId = (await call('POST', '/api/v1/admin/coupons', { body: coupon, headers: ADMIN, expect: 201 })).body.couponId;
    await call('POST', '/api/v1/admin/coupons', { body: { name: 'Forever 5%', discountType: 'RATE', discountValue: 5, totalQuantity: 10 }, headers: ADMIN, expect: 201 });
    await call('POST', `/api/v1/coupons/${couponId}/issue`, { body: { userId: user }, expect: 201 });
    await call('POST', `/api/v1/coupons/${couponId}/issue`, { body: { userId: user }, expect: [409, 'COUPON_ALREADY_ISSUED'] });
    await call('POST', `/api/v1/coupons/${couponId}/issue`, { body: { userId: other }, expect: 201 });
    await call('POST', `/api/v1/coupons/${couponId}/issue`, { body: { userId: 1 }, expect: [409, 'COUPON_SOLD_OUT'] });
    await call('POST', '/api/v1/coupons/999999/issue', { body: { userId: user }, expect: [404, 'COUPON_NOT_FOUND'] });
    await call('POST', `/api/v1/coupons/${couponId}/issue`, { body: { userId: 'me' }, expect: [400, 'INVALID_REQUEST'] });
    await call('GET', `/api/v1/coupons/${couponId}`, { expect: 200 });
    await call('GET', '/api/v1/coupons/1', { expect: 200 });  // a demo coupon without expiry
    await call('GET', '/api/v1/coupons/999999', { expect: [404, 'COUPON_NOT_FOUND'] });
    await call('GET', '/api/v1/coupons/x', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', `/api/v1/coupons?userId=${user}`, { expect: 200 });
    await call('GET', `/api/v1/coupons?userId=${user}&status=ALL`, { expect: 200 });
    await call('GET', '/api/v1/coupons', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/coupons?userId=999999', { expect: [404, 'USER_NOT_FOUND'] });
  });

  await t.test("the seeds' rules: stopped products, issuance windows and pauses, product-bound coupons", async () => {
    const poster = (await call('POST', '/api/v1/admin/products', { body: { name: 'OpenAPI Poster', price: 2000, stock: 9 }, headers: ADMIN, expect: 201 })).body;
    const status = `/api/v1/admin/products/${poster.productId}/status`;
    await call('POST', status, { body: { status: 'GONE' }, headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    await call('POST', status, { body: { status: 'STOPPED' }, expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/products/999999/status', { body: { status: 'STOPPED' }, headers: ADMIN, expect: [404, 'PRODUCT_NOT_FOUND'] });
    const stopped = await call('POST', status, { body: { status: 'STOPPED' }, headers: ADMIN, expect: 200 });
    assert.equal(stopped.body.status, 'STOPPED');
    assert.equal((await call('GET', `/api/v1/products/${poster.productId}`, { expect: 200 })).body.status, 'STOPPED');
    const all = await call('GET', '/api/v1/products?includeStopped=true&includeSoldOut=true&limit=100', { expect: 200 });
    assert.ok(all.body.items.some((p) => p.productId === poster.productId));
    await call('GET', '/api/v1/products?includeStopped=maybe', { expect: [400, 'INVALID_REQUEST'] });
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId: poster.productId, quantity: 1 }, expect: [409, 'PRODUCT_NOT_SELLABLE'] });
    await call('POST', status, { body: { status: 'ON_SALE' }, headers: ADMIN, expect: 200 });

    const bound = { name: 'Poster 10%', discountType: 'RATE', discountValue: 10, totalQuantity: 5, productIds: [poster.productId] };
    await call('POST', '/api/v1/admin/coupons', { body: { ...bound, productIds: [999999] }, headers: ADMIN, expect: [404, 'PRODUCT_NOT_FOUND'] });
    await call('POST', '/api/v1/admin/coupons', { body: { ...bound, issueFrom: 'soon' }, headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    const later = await call('POST', '/api/v1/admin/coupons', { body: { ...bound, issueFrom: '2099-01-01T00:00:00Z', issueUntil: '2099-01-02T00:00:00Z' }, headers: ADMIN, expect: 201 });
    await call('POST', `/api/v1/coupons/${later.body.couponId}/issue`, { body: { userId: user }, expect: [409, 'COUPON_NOT_ISSUABLE'] });
    const posterCoupon = (await call('POST', '/api/v1/admin/coupons', { body: bound, headers: ADMIN, expect: 201 })).body.couponId;
    const pause = `/api/v1/admin/coupons/${posterCoupon}/pause`;
    const resume = `/api/v1/admin/coupons/${posterCoupon}/resume`;
    await call('POST', pause, { expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/coupons/999999/pause', { headers: ADMIN, expect: [404, 'COUPON_NOT_FOUND'] });
    await call('POST', '/api/v1/admin/coupons/x/pause', { headers: ADMIN, expect: [400, 'INVALID_REQUEST'] });
    assert.equal((await call('POST', pause, { headers: ADMIN, expect: 200 })).body.paused, true);
    await call('POST', `/api/v1/coupons/${posterCoupon}/issue`, { body: { userId: user }, expect: [409, 'COUPON_NOT_ISSUABLE'] });
    await call('POST', resume, { expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/coupons/999999/resume', { headers: ADMIN, expect: [404, 'COUPON_NOT_FOUND'] });
    assert.equal((await call('POST', resume, { headers: ADMIN, expect: 200 })).body.paused, false);
    const held = await call('POST', `/api/v1/coupons/${posterCoupon}/issue`, { body: { userId: user }, expect: 201 });
    assert.deepEqual(held.body.productIds, [poster.productId]);
    // An order without a poster line cannot use it; with one, only that line is discounted.
    await call('POST', '/api/v1/orders', { body: { userId: user, items: [{ productId, optionId: optionIds[0], quantity: 1 }], couponId: posterCoupon }, expect: [409, 'COUPON_NOT_USABLE'] });
    const order = await call('POST', '/api/v1/orders', { body: { userId: user, items: [{ productId: poster.productId, quantity: 1 }, { productId, optionId: optionIds[0], quantity: 1 }], couponId: posterCoupon }, expect: 201 });
    assert.equal(order.body.discountAmount, 200);
    await call('POST', `/api/v1/orders/${order.body.orderId}/cancel`, { body: { userId: user }, expect: 200 });
  });

  await t.test('the waiting room (Prefer: respond-async) and rate limits', async () => {
    const async = { Prefer: 'respond-async' };
    const decided = async (location) => {
      for (let i = 0; i < 500; i++) {
        const r = await call('GET', location, { expect: 200 });
        if (r.body.status !== 'PENDING') return r.body;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail(`${location} still PENDING`);
    };
    const one = (await call('POST', '/api/v1/admin/coupons', { body: { name: 'Waiting room', discountType: 'FIXED', discountValue: 100, totalQuantity: 1 }, headers: ADMIN, expect: 201 })).body.couponId;
    const first = await call('POST', `/api/v1/coupons/${one}/issue`, { body: { userId: other }, headers: async, expect: 202 });
    assert.equal(first.body.status, 'PENDING');
    assert.equal(first.headers.get('location'), `/api/v1/coupon-requests/${first.body.requestId}`);
    assert.equal((await decided(first.headers.get('location'))).status, 'ISSUED');
    const second = await call('POST', `/api/v1/coupons/${one}/issue`, { body: { userId: user }, headers: async, expect: 202 });
    const rejected = await decided(second.headers.get('location'));
    assert.equal(rejected.status, 'REJECTED');
    assert.equal(rejected.code, 'COUPON_SOLD_OUT');
    await call('POST', '/api/v1/coupons/999999/issue', { body: { userId: user }, headers: async, expect: [404, 'COUPON_NOT_FOUND'] });
    await call('GET', '/api/v1/coupon-requests/999999', { expect: [404, 'COUPON_REQUEST_NOT_FOUND'] });
    await call('GET', '/api/v1/coupon-requests/x', { expect: [400, 'INVALID_REQUEST'] });
    // One user over the per-user coupon-issue limit (burst 20)
    const hammer = (await call('POST', '/api/v1/users', { body: { name: 'hammer' }, expect: 201 })).body.userId;
    let limited;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await call('POST', `/api/v1/coupons/${one}/issue`, { body: { userId: hammer } });
      if (r.status === 429) limited = r;
      else assert.ok(r.headers.get('ratelimit').startsWith('"coupon-issue-per-user";r='), 'RateLimit on every answer');
    }
    assert.ok(limited, 'no 429 in 40 requests');
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.headers.get('ratelimit-policy'), '"coupon-issue-per-user";q=20;w=20');
  });

  await t.test('carts', async () => {
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId, optionId: optionIds[0], quantity: 2 }, expect: 200 });
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId, optionId: optionIds[1], quantity: 1 }, expect: 200 });
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId, optionId: optionIds[0], quantity: 100 }, expect: [409, 'OUT_OF_STOCK'] });
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId: 999999, quantity: 1 }, expect: [404, 'PRODUCT_NOT_FOUND'] });
    await call('POST', `/api/v1/users/${user}/cart/items`, { body: { productId, quantity: 0 }, expect: [400, 'INVALID_REQUEST'] });
    const cart = await call('GET', `/api/v1/users/${user}/cart`, { expect: 200 });
    assert.equal(cart.body.items.length, 2);
    await call('DELETE', `/api/v1/users/${user}/cart/items/${optionIds[1]}`, { expect: 204 });
    await call('DELETE', `/api/v1/users/${user}/cart/items/${optionIds[1]}`, { expect: 204 });
    await call('DELETE', `/api/v1/users/${user}/cart/items/zero`, { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/users/999999/cart', { expect: [404, 'USER_NOT_FOUND'] });
  });

  await t.test('orders and payments', async () => {
    const items = [{ productId, optionId: optionIds[0], quantity: 1 }];
    const placed = await call('POST', '/api/v1/orders', { body: { userId: user, items, couponId }, expect: 201 });
    assert.equal(placed.body.status, 'NOT_PAID');
    await call('POST', '/api/v1/payments', { body: { orderId: placed.body.orderId, userId: other }, expect: [403, 'FORBIDDEN'] });
    await call('POST', '/api/v1/payments', { body: { orderId: placed.body.orderId, userId: user }, expect: 201 });
    await call('POST', '/api/v1/payments', { body: { orderId: placed.body.orderId, userId: user }, expect: [409, 'ORDER_NOT_PAYABLE'] });
    await call('POST', '/api/v1/payments', { body: { orderId: 999999, userId: user }, expect: [404, 'ORDER_NOT_FOUND'] });
    await call('POST', '/api/v1/payments', { body: { orderId: placed.body.orderId }, expect: [400, 'INVALID_REQUEST'] });
    const second = await call('POST', '/api/v1/orders', { body: { userId: user, items }, expect: 201 });
    await call('POST', `/api/v1/orders/${second.body.orderId}/cancel`, { body: { userId: other }, expect: [403, 'FORBIDDEN'] });
    await call('POST', `/api/v1/orders/${second.body.orderId}/cancel`, { body: { userId: user }, expect: 200 });
    await call('POST', `/api/v1/orders/${second.body.orderId}/cancel`, { body: { userId: user }, expect: [409, 'ORDER_NOT_CANCELLABLE'] });
    await call('POST', '/api/v1/orders/999999/cancel', { body: { userId: user }, expect: [404, 'ORDER_NOT_FOUND'] });
    await call('POST', `/api/v1/orders/${second.body.orderId}/cancel`, { body: {}, expect: [400, 'INVALID_REQUEST'] });
    const paid = await call('POST', '/api/v1/orders', { body: { userId: user, items, pay: true }, expect: 201 });
    assert.equal(paid.body.status, 'PAID');
    await call('POST', '/api/v1/orders', { body: { userId: 3, items: [{ productId: 2, quantity: 1 }], pay: true }, expect: [409, 'INSUFFICIENT_BALANCE'] });
    await call('POST', '/api/v1/orders', { body: { userId: user, items: [{ productId, optionId: optionIds[0], quantity: 99 }] }, expect: [409, 'OUT_OF_STOCK'] });
    await call('POST', '/api/v1/orders', { body: { userId: user, items: [] }, expect: [400, 'INVALID_REQUEST'] });
    await call('POST', '/api/v1/orders', { body: { userId: 999999, items }, expect: [404, 'USER_NOT_FOUND'] });
    await call('GET', `/api/v1/orders/${paid.body.orderId}`, { expect: 200 });
    await call('GET', `/api/v1/orders/${placed.body.orderId}`, { expect: 200 });  // with couponId and paidAt
    await call('GET', '/api/v1/orders/999999', { expect: [404, 'ORDER_NOT_FOUND'] });
    await call('GET', '/api/v1/orders/-1', { expect: [400, 'INVALID_REQUEST'] });
    const list = await call('GET', `/api/v1/orders?userId=${user}&limit=2`, { expect: 200 });
    assert.ok(list.body.nextCursor);
    await call('GET', `/api/v1/orders?userId=${user}&limit=2&cursor=${list.body.nextCursor}`, { expect: 200 });
    await call('GET', '/api/v1/orders', { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/orders?userId=999999', { expect: [404, 'USER_NOT_FOUND'] });
    const history = await call('GET', `/api/v1/points/${user}/history?limit=1`, { expect: 200 });
    assert.ok(history.body.nextCursor);
    await call('GET', `/api/v1/points/${user}/history?cursor=${history.body.nextCursor}`, { expect: 200 });
    await call('GET', `/api/v1/points/${user}/history?cursor=zz`, { expect: [400, 'INVALID_REQUEST'] });
    await call('GET', '/api/v1/points/999999/history', { expect: [404, 'USER_NOT_FOUND'] });
  });

  await t.test('best sellers (the demo data has a history)', async () => {
    const best = await call('GET', '/api/v1/products/best', { expect: 200 });
    assert.ok(best.body.items.length > 0, 'the demo best sellers are empty');
    await call('GET', '/api/v1/products/best?days=1&limit=2', { expect: 200 });
    await call('GET', '/api/v1/products/best?days=0', { expect: [400, 'INVALID_REQUEST'] });
  });

  await t.test('admin routes', async () => {
    const projections = await call('GET', '/api/v1/admin/projections', { headers: ADMIN, expect: 200 });
    await call('GET', '/api/v1/admin/projections', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/api/v1/admin/coupons?limit=2', { headers: ADMIN, expect: 200 });
    await call('GET', '/api/v1/admin/coupons', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/console', { expect: 200 });
    await call('GET', '/console/console.js', { expect: 200 });
    await call('GET', '/console/uPlot.min.css', { expect: 200 });
    await call('GET', '/console/nosuch.js', { expect: [404, 'NOT_FOUND'] });
    await call('GET', '/api/v1/admin/relay', { headers: ADMIN, expect: 200 });
    await call('GET', '/api/v1/admin/relay', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/api/v1/admin/feed', { headers: ADMIN, expect: [404, 'NOT_FOUND'] });
    await call('GET', '/api/v1/admin/feed', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/api/v1/admin/cluster', { headers: ADMIN, expect: 200 });
    await call('GET', '/api/v1/admin/cluster', { expect: [401, 'UNAUTHORIZED'] });
    // A cluster member's catch-up routes: a single node has nothing to copy from
    await call('GET', '/api/v1/admin/cluster/log?from=1', { headers: ADMIN, expect: [404, 'NOT_FOUND'] });
    await call('GET', '/api/v1/admin/cluster/log?from=1', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/api/v1/admin/cluster/commands?after=', { headers: ADMIN, expect: [404, 'NOT_FOUND'] });
    await call('GET', '/api/v1/admin/cluster/commands', { expect: [401, 'UNAUTHORIZED'] });
    const name = projections.body.items[0].name;
    await call('POST', `/api/v1/admin/projections/${name}/rebuild`, { headers: ADMIN, expect: 202 });
    await call('POST', `/api/v1/admin/projections/${name}/rebuild`, { headers: ADMIN, expect: 202 });  // already asked for: its state
    // Every projection, and more requests in a row: all accepted (queued or folded together).
    const all = await call('POST', '/api/v1/admin/projections/all/rebuild', { headers: ADMIN, expect: 202 });
    assert.equal(all.body.items.length, projections.body.items.length);
    await call('POST', '/api/v1/admin/projections/all/rebuild', { headers: ADMIN, expect: 202 });
    await call('POST', `/api/v1/admin/projections/${projections.body.items.at(-1).name}/rebuild`, { headers: ADMIN, expect: 202 });
    await call('POST', '/api/v1/admin/projections/nosuch/rebuild', { headers: ADMIN, expect: [404, 'NOT_FOUND'] });
    await call('POST', `/api/v1/admin/projections/${name}/rebuild`, { expect: [401, 'UNAUTHORIZED'] });
    await call('POST', '/api/v1/admin/projections/all/rebuild', { expect: [401, 'UNAUTHORIZED'] });
    await call('GET', '/api/v1/admin/projections', { headers: ADMIN, expect: 200 });
  });

  await t.test('protocol errors: 404, 405, 413, 431', async () => {
    await call('GET', '/api/v1/nothing-here', { expect: [404, 'NOT_FOUND'] });
    await call('PUT', '/api/v1/users', { body: { name: 'x' }, expect: [405, 'METHOD_NOT_ALLOWED'] });
    await call('DELETE', '/healthz', { expect: [405, 'METHOD_NOT_ALLOWED'] });
    await call('POST', '/api/v1/users', { body: JSON.stringify({ name: 'x'.repeat(70 * 1024) }), expect: [413, 'PAYLOAD_TOO_LARGE'] });
    try {
      await call('GET', '/healthz', { headers: { 'X-Padding': 'y'.repeat(20 * 1024) }, expect: [431, 'HEADERS_TOO_LARGE'] });
    } catch (e) {
      // The contract allows closing the connection instead.
      if (!(e instanceof TypeError)) throw e;
    }
    await call('GET', '/healthz', { expect: 200 });
  });

  await t.test('every operation of the document was exercised', () => {
    const missing = operations.map((o) => `${o.method} ${o.template}`).filter((k) => !exercised.has(k));
    assert.deepEqual(missing, []);
    for (const [k, statuses] of exercised) t.diagnostic(`${k}: ${[...statuses].sort().join(' ')}`);
  });

  server.kill('SIGTERM');
  const code = await new Promise((resolve) => server.once('exit', (c, signal) => resolve(c ?? signal)));
  assert.equal(code, 0, 'serve did not stop cleanly on SIGTERM');
});
