// The operators' console: asks for the admin token, then polls /metrics and
// the admin routes every POLL_MS and draws what changed since the last poll
// with uPlot. Rates and percentiles come from the Prometheus counters and
// histograms (the difference between two polls, as rate() and
// histogram_quantile() would compute them). Everything is drawn by uPlot;
// the page has no inline script or style (see the server's CSP).
'use strict';

(() => {
  const POLL_MS = 1500;
  const WINDOW_POINTS = 160;  // four minutes of history at 1.5 s
  const TOKEN_KEY = 'eventmart.adminToken';
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d',
                   '#ea580c', '#4f46e5', '#0d9488', '#9333ea', '#ca8a04', '#64748b'];

  // Route patterns only commands use (POST/DELETE). /metrics labels
  // requests by route, not by method, so for the two patterns that serve
  // both a query (GET) and a command (POST) the queries chart shows the
  // route's rate less its command's (a POST refused before it became a
  // command, e.g. a 400, still counts as a query there).
  const COMMAND_ROUTES = new Set([
    '/api/v1/users', '/api/v1/points/{}/charge', '/api/v1/coupons/{}/issue', '/api/v1/users/{}/cart/items',
    '/api/v1/users/{}/cart/items/{}', '/api/v1/orders/{}/cancel', '/api/v1/payments', '/api/v1/admin/products',
    '/api/v1/admin/products/{}/options/{}/restock', '/api/v1/admin/projections/{}/rebuild',
  ]);
  const MIXED_ROUTES = new Map([['/api/v1/orders', 'PlaceOrder'], ['/api/v1/admin/coupons', 'CreateCoupon']]);
  const HIDDEN_ROUTES = new Set(['/console', '/console/{}']);

  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    prev: null,          // the previous /metrics sample: {at, metrics}
    timer: null,
    polls: 0,
    charts: {},          // id -> chart object (below)
    colors: new Map(),   // series name -> colour, stable while the page lives
    rebuilds: {},        // projection name -> {asked, sawRebuilding, done}
    projections: [],
    head: 0,
    absentUntil: {},     // optional route -> time (ms) before which it is not asked again
  };
  const ABSENT_RETRY_MS = 15000;

  // ---------------------------------------------------------------- utilities

  function colorOf(name) {
    if (!state.colors.has(name)) state.colors.set(name, PALETTE[state.colors.size % PALETTE.length]);
    return state.colors.get(name);
  }

  function fmt(v) {
    if (v == null || Number.isNaN(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  // 18:35:07, whatever the locale.
  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString('en-GB', {hour12: false});
  }

  function shortRoute(route) {
    return route.replace(/^\/api\/v1/, '').replace(/\{\}/g, '{id}');
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) e.append(c);
    return e;
  }

  // ------------------------------------------------------- Prometheus text

  // Returns name -> [{labels, value}] for every sample line.
  function parseMetrics(text) {
    const out = new Map();
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const raw of text.split('\n')) {
      if (raw === '' || raw.startsWith('#')) continue;
      const m = line.exec(raw);
      if (!m) continue;
      const labels = {};
      if (m[2]) for (const l of m[2].matchAll(label)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
      const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
      if (!out.has(m[1])) out.set(m[1], []);
      out.get(m[1]).push({labels, value});
    }
    return out;
  }

  // Sums a counter by one label: key -> value.
  function sumBy(metrics, name, key) {
    const out = new Map();
    for (const s of metrics.get(name) || []) {
      const k = key ? s.labels[key] : '';
      out.set(k, (out.get(k) || 0) + s.value);
    }
    return out;
  }

  // Per-second rates between two sums; a counter that went down restarted.
  function rates(cur, prev, seconds) {
    const out = new Map();
    for (const [k, v] of cur) {
      const before = prev.get(k) ?? 0;
      out.set(k, (v >= before ? v - before : v) / seconds);
    }
    return out;
  }

  // A histogram's buckets by one label: key -> {buckets: [[le, cumulative]], sum, count}.
  function histograms(metrics, name, key) {
    const out = new Map();
    const get = (k) => {
      if (!out.has(k)) out.set(k, {buckets: [], sum: 0, count: 0});
      return out.get(k);
    };
    for (const s of metrics.get(name + '_bucket') || []) {
      get(key ? s.labels[key] : '').buckets.push([Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), s.value]);
    }
    for (const s of metrics.get(name + '_sum') || []) get(key ? s.labels[key] : '').sum = s.value;
    for (const s of metrics.get(name + '_count') || []) get(key ? s.labels[key] : '').count = s.value;
    for (const h of out.values()) h.buckets.sort((a, b) => a[0] - b[0]);
    return out;
  }

  // The observations made between two samples of one histogram.
  function histogramDelta(cur, prev) {
    if (!prev || cur.count < prev.count) return cur;
    return {
      buckets: cur.buckets.map(([le, c], i) => [le, c - (prev.buckets[i] ? prev.buckets[i][1] : 0)]),
      sum: cur.sum - prev.sum,
      count: cur.count - prev.count,
    };
  }

  // Like Prometheus' histogram_quantile: linear within the bucket; the
  // +Inf bucket answers its lower bound. null when nothing was observed.
  // Without `interpolate`, the bucket's upper bound (for counts, where
  // "p99 is 0.99 appends" would mislead).
  function quantile(q, h, interpolate = true) {
    if (!h || h.count <= 0) return null;
    const rank = q * h.count;
    let lower = 0;
    let below = 0;
    for (const [le, c] of h.buckets) {
      if (c >= rank) {
        if (le === Infinity) return lower;
        if (!interpolate) return le;
        const inBucket = c - below;
        return inBucket > 0 ? lower + (le - lower) * ((rank - below) / inBucket) : le;
      }
      lower = le;
      below = c;
    }
    return lower;
  }

  // ------------------------------------------------------------------ charts

  function chartWidth(container) {
    return Math.max(260, container.clientWidth || 400);
  }

  // The legend shows the newest values while the cursor is not on the plot.
  function showLatest(plot) {
    if (plot.cursor.left != null && plot.cursor.left >= 0) return;
    const n = plot.data[0].length;
    if (n > 0) plot.setLegend({idx: n - 1});
  }

  // Category labels cut to what fits under one bar.
  function fitLabel(u, label, count) {
    const room = Math.floor(u.bbox.width / devicePixelRatio / Math.max(1, count) / 6.5) - 1;
    return label.length > room ? label.slice(0, Math.max(3, room - 1)) + '…' : label;
  }

  const axisStyle = {stroke: '#6b7482', grid: {stroke: '#eef1f5', width: 1}, ticks: {stroke: '#dde2ea', width: 1}};

  // A time-series chart whose series can appear over time (a new route, a
  // new command). Keeps the last WINDOW_POINTS samples.
  class TimeChart {
    constructor(id, {height = 210, minMax = 1, unit = ''} = {}) {
      this.id = id;
      this.container = $(id);
      this.height = height;
      this.minMax = minMax;
      this.unit = unit;
      this.times = [];
      this.columns = new Map();  // name -> values (null: no sample)
      this.plot = null;
      this.names = [];
    }

    push(at, values) {
      const n = this.times.length;
      for (const [name, v] of values) {
        if (!this.columns.has(name)) this.columns.set(name, new Array(n).fill(null));
      }
      this.times.push(at);
      for (const [name, column] of this.columns) column.push(values.has(name) ? values.get(name) : null);
      if (this.times.length > WINDOW_POINTS) {
        this.times.shift();
        for (const column of this.columns.values()) column.shift();
      }
      // Forget series with nothing left in the window.
      for (const [name, column] of this.columns) {
        if (column.every((v) => v == null)) this.columns.delete(name);
      }
      this.draw();
    }

    draw() {
      const names = [...this.columns.keys()].sort();
      const data = [this.times, ...names.map((n) => this.columns.get(n))];
      if (this.plot && names.join('\n') === this.names.join('\n')) {
        this.plot.setData(data);
        showLatest(this.plot);
        return;
      }
      if (this.plot) this.plot.destroy();
      this.container.textContent = '';
      this.names = names;
      const unit = this.unit;
      this.plot = new uPlot({
        width: chartWidth(this.container),
        height: this.height,
        cursor: {drag: {x: false, y: false}},
        legend: {live: true},
        scales: {x: {time: true}, y: {range: (u, min, max) => [0, Math.max(this.minMax, (max || 0) * 1.1)]}},
        axes: [{...axisStyle, space: 64, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600],
                 values: (u, splits) => splits.map(clock)}, {...axisStyle, size: 56, values: (u, splits) => splits.map((v) => fmt(v) + unit)}],
        series: [
          {value: (u, v) => (v == null ? '–' : clock(v))},
          ...names.map((name) => ({
            label: name,
            stroke: colorOf(name),
            width: 2,
            points: {show: false},
            value: (u, v) => (v == null ? '–' : fmt(v) + unit),
          })),
        ],
      }, data, this.container);
      showLatest(this.plot);
    }

    resize() {
      if (this.plot) this.plot.setSize({width: chartWidth(this.container), height: this.height});
    }

    snapshot() {
      return {names: [...this.columns.keys()], times: [...this.times],
              series: Object.fromEntries([...this.columns].map(([k, v]) => [k, [...v]]))};
    }
  }

  // A bar chart over categories (products, coupons, cluster members); one
  // or two series side by side.
  class BarChart {
    constructor(id, seriesDefs, {height = 220, empty = 'nothing yet'} = {}) {
      this.id = id;
      this.container = $(id);
      this.defs = seriesDefs;  // [{label, color}]
      this.height = height;
      this.emptyText = empty;
      this.labels = [];
      this.values = seriesDefs.map(() => []);
      this.plot = null;
    }

    set(labels, values) {
      this.labels = labels;
      this.values = values;
      if (labels.length === 0) {
        if (this.plot) this.plot.destroy();
        this.plot = null;
        this.container.textContent = '';
        this.container.append(el('div', {className: 'empty', text: this.emptyText}));
        return;
      }
      const data = [labels.map((_, i) => i + 1), ...values];
      if (this.plot) {
        this.plot.setData(data);
        return;
      }
      this.container.textContent = '';
      const two = this.defs.length > 1;
      this.plot = new uPlot({
        width: chartWidth(this.container),
        height: this.height,
        cursor: {drag: {x: false, y: false}, points: {show: false}},
        legend: {show: two, live: false},
        scales: {
          x: {time: false, range: () => [0.4, this.labels.length + 0.6]},
          y: {range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.15)]},
        },
        axes: [
          {...axisStyle, grid: {show: false},
           splits: () => this.labels.map((_, i) => i + 1),
           values: (u, splits) => splits.map((s) => fitLabel(u, this.labels[s - 1] || '', this.labels.length))},
          {...axisStyle, size: 50, values: (u, splits) => splits.map(fmt)},
        ],
        series: [
          {label: '', value: (u, v) => (v == null ? '' : this.labels[v - 1] || '')},
          ...this.defs.map((d, i) => ({
            label: d.label,
            stroke: d.color,
            fill: d.color + 'cc',
            width: 1,
            points: {show: false},
            paths: uPlot.paths.bars({size: [two ? 0.36 : 0.6, 80], align: two ? (i === 0 ? -1 : 1) : 0}),
            value: (u, v) => fmt(v),
          })),
        ],
      }, data, this.container);
    }

    resize() {
      if (this.plot) this.plot.setSize({width: chartWidth(this.container), height: this.height});
    }

    snapshot() {
      return {labels: [...this.labels], series: Object.fromEntries(this.defs.map((d, i) => [d.label, [...(this.values[i] || [])]]))};
    }
  }

  function makeCharts() {
    state.charts = {
      commands: new TimeChart('chart-commands', {minMax: 1}),
      queries: new TimeChart('chart-queries', {minMax: 1}),
      latency: new TimeChart('chart-latency', {minMax: 1, height: 230}),
      fsync: new TimeChart('chart-fsync', {minMax: 0.5}),
      groups: new TimeChart('chart-groups', {minMax: 2}),
      projectionLag: new TimeChart('chart-projection-lag', {minMax: 10, height: 190}),
      projectionPosition: new TimeChart('chart-projection-position', {minMax: 10, height: 190}),
      relay: new TimeChart('chart-relay', {minMax: 10}),
      best: new BarChart('chart-best', [{label: 'sold', color: '#2563eb'}], {empty: 'no paid orders in the last 3 days'}),
      coupons: new BarChart('chart-coupons', [{label: 'total', color: '#94a3b8'}, {label: 'remaining', color: '#16a34a'}],
                            {empty: 'no coupons'}),
      cluster: new BarChart('chart-cluster', [{label: 'applied position', color: '#7c3aed'}]),
    };
  }

  // -------------------------------------------------------------- fetching

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      cache: 'no-store',
      headers: {...(options.headers || {}), Authorization: 'Bearer ' + state.token},
    });
    if (response.status === 401) throw new Unauthorized(path);
    return response;
  }

  // A route only some servers have (the feed on a query node, the cluster
  // route once clustered): after a 404 it is asked again only every
  // ABSENT_RETRY_MS.
  async function optionalJson(path) {
    if (Date.now() < (state.absentUntil[path] || 0)) return {status: 404, body: null};
    const result = await json(path);
    if (result.status === 404) state.absentUntil[path] = Date.now() + ABSENT_RETRY_MS;
    return result;
  }

  async function json(path) {
    const response = await api(path);
    if (!response.ok) return {status: response.status, body: null};
    return {status: response.status, body: await response.json()};
  }

  // ----------------------------------------------------------------- update

  function updateFromMetrics(text, at) {
    const metrics = parseMetrics(text);
    const prev = state.prev;
    state.prev = {at, metrics};
    if (!prev) return;
    const seconds = Math.max(0.001, at - prev.at);
    const t = at;

    const commandRates = rates(sumBy(metrics, 'eventmart_commands_total', 'command'),
                               sumBy(prev.metrics, 'eventmart_commands_total', 'command'), seconds);
    state.charts.commands.push(t, commandRates);

    const routeRates = rates(sumBy(metrics, 'eventmart_http_requests_total', 'route'),
                             sumBy(prev.metrics, 'eventmart_http_requests_total', 'route'), seconds);
    const queries = new Map();
    for (const [route, r] of routeRates) {
      if (COMMAND_ROUTES.has(route) || HIDDEN_ROUTES.has(route)) continue;
      const command = MIXED_ROUTES.get(route);
      queries.set(shortRoute(route), command ? Math.max(0, r - (commandRates.get(command) || 0)) : r);
    }
    state.charts.queries.push(t, queries);

    const before = histograms(prev.metrics, 'eventmart_http_request_seconds', 'route');
    const latency = new Map();
    for (const [route, h] of histograms(metrics, 'eventmart_http_request_seconds', 'route')) {
      if (HIDDEN_ROUTES.has(route)) continue;
      const p99 = quantile(0.99, histogramDelta(h, before.get(route)));
      if (p99 != null) latency.set(shortRoute(route), p99 * 1000);
    }
    state.charts.latency.push(t, latency);

    const commit = histogramDelta(histograms(metrics, 'eventmart_commit_seconds').get('') || {buckets: [], count: 0},
                                  histograms(prev.metrics, 'eventmart_commit_seconds').get(''));
    const fsync = new Map();
    if (commit.count > 0) {
      fsync.set('p50', quantile(0.5, commit) * 1000);
      fsync.set('p99', quantile(0.99, commit) * 1000);
      fsync.set('mean', (commit.sum / commit.count) * 1000);
    }
    state.charts.fsync.push(t, fsync);

    const groups = histogramDelta(histograms(metrics, 'eventmart_commit_group_appends').get('') || {buckets: [], count: 0},
                                  histograms(prev.metrics, 'eventmart_commit_group_appends').get(''));
    const groupSeries = new Map();
    if (groups.count > 0) {
      groupSeries.set('mean appends / fsync', groups.sum / groups.count);
      groupSeries.set('p99 appends / fsync (≤)', quantile(0.99, groups, false));
    }
    state.charts.groups.push(t, groupSeries);
  }

  function renderProjections(body, at) {
    const items = body.items || [];
    const head = body.head ?? Math.max(0, ...items.map((p) => p.position + p.lag));
    state.head = head;
    state.projections = items;
    const list = $('projection-list');
    const lags = new Map();
    const positions = new Map([['log head', head]]);
    for (const p of items) {
      lags.set(p.name, p.lag);
      positions.set(p.name, p.position);
      const rebuild = state.rebuilds[p.name];
      if (rebuild && !rebuild.done) {
        if (p.state === 'rebuilding' || p.state === 'queued') rebuild.sawRebuilding = true;
        // The server shows "rebuilding" (or "queued" behind other rebuilds)
        // from the moment it accepts, so a poll sent after the 202 that sees
        // another state saw it finish.
        else if (rebuild.sawRebuilding || at * 1000 > rebuild.asked) {
          rebuild.done = new Date();
          $('projection-message').textContent = `${p.name}: rebuilt and swapped in at ${rebuild.done.toLocaleTimeString()}`;
        }
      }
      let row = list.querySelector(`li[data-projection="${CSS.escape(p.name)}"]`);
      if (!row) {
        const button = el('button', {type: 'button', text: 'Rebuild', title: `POST /api/v1/admin/projections/${p.name}/rebuild`});
        button.addEventListener('click', () => rebuildProjection(p.name, button));
        row = el('li', {className: 'projection', 'data-projection': p.name},
                 el('span', {className: 'name', text: p.name}), el('span', {className: 'badge'}),
                 el('progress', {max: 1, value: 0}), el('span', {className: 'meta'}), button);
        list.append(row);
      }
      const rebuilding = p.state === 'rebuilding';
      const queued = p.state === 'queued';
      row.dataset.state = p.state;
      row.dataset.position = String(p.position);
      row.dataset.lag = String(p.lag);
      row.dataset.rebuilt = rebuild && rebuild.done ? 'yes' : 'no';
      const badge = row.querySelector('.badge');
      badge.textContent = p.state;
      badge.dataset.state = p.state;
      const bar = row.querySelector('progress');
      const progressAt = rebuilding ? (p.rebuildPosition ?? 0) : p.position;
      bar.max = Math.max(1, head);
      bar.value = Math.min(progressAt, head);
      row.querySelector('.meta').textContent = rebuilding
          ? `shadow at ${fmt(p.rebuildPosition ?? 0)} of ${fmt(head)}`
          : queued ? `at ${fmt(p.position)}, lag ${fmt(p.lag)}; rebuild queued`
          : `at ${fmt(p.position)}, lag ${fmt(p.lag)}`;
      row.querySelector('button').disabled = rebuilding || queued;
    }
    state.charts.projectionLag.push(at, lags);
    state.charts.projectionPosition.push(at, positions);
  }

  async function rebuildProjection(name, button) {
    button.disabled = true;
    const message = $('projection-message');
    try {
      const response = await api(`/api/v1/admin/projections/${encodeURIComponent(name)}/rebuild`, {method: 'POST'});
      const body = await response.json().catch(() => ({}));
      if (response.status === 202) {
        state.rebuilds[name] = {asked: Date.now(), sawRebuilding: false, done: null};
        message.textContent = `${name}: rebuild accepted (${body.state || 'rebuilding'})`;
        const row = $('projection-list').querySelector(`li[data-projection="${CSS.escape(name)}"]`);
        if (row && body.state) {
          row.dataset.state = body.state;
          row.querySelector('.badge').textContent = body.state;
          row.querySelector('.badge').dataset.state = body.state;
        }
      } else {
        message.textContent = `${name}: ${response.status} ${body.code || ''} ${body.message || ''}`;
        button.disabled = false;
      }
    } catch (e) {
      if (e instanceof Unauthorized) return signOut('the server refused the token');
      message.textContent = `${name}: ${e.message}`;
      button.disabled = false;
    }
  }

  function renderRelay(relay, feed, at) {
    const series = new Map();
    const notes = [];
    if (relay && relay.state !== 'disabled') {
      series.set('relay lag', relay.lag);
      series.set('relay in flight', relay.inFlight);
      notes.push(`relay ${relay.state}, ack p99 ${fmt(relay.ackLagP99Ms)} ms`);
    } else if (relay) {
      notes.push('Kafka relay off (serve without --kafka-brokers)');
    }
    if (feed) {
      series.set('feed Kafka lag', Math.max(0, feed.kafkaLag));
      series.set('feed buffered', feed.buffered);
      notes.push(`feed ${feed.state}${feed.caughtUp ? ', caught up' : ''}`);
    }
    $('relay-note').textContent = notes.join(' · ');
    $('chart-relay').hidden = series.size === 0;
    if (series.size > 0) state.charts.relay.push(at, series);
  }

  function renderBest(body) {
    const items = (body && body.items) || [];
    state.charts.best.set(items.map((i) => i.name || `#${i.productId}`), [items.map((i) => i.soldQuantity)]);
  }

  function renderCoupons(body) {
    const items = (body && body.items) || [];
    state.charts.coupons.set(items.map((c) => c.name || `#${c.couponId}`),
                             [items.map((c) => c.totalQuantity), items.map((c) => c.remainingQuantity)]);
  }

  function renderCluster(result) {
    const card = $('card-cluster');
    // A single server answers as a cluster of one: nothing to show then.
    if (!result || result.status !== 200 || !result.body || (result.body.members || []).length < 2) {
      card.hidden = true;
      return;
    }
    const c = result.body;
    card.hidden = false;
    $('cluster-summary').textContent = `node ${c.nodeId} is ${c.role}, term ${c.term}, leader ${c.leaderId ?? 'unknown'}`;
    const members = c.members || [];
    const list = $('cluster-members');
    list.textContent = '';
    for (const m of members) {
      list.append(el('li', {'data-role': m.role},
                     `node ${m.id} `, el('span', {className: 'badge', 'data-state': m.role, text: m.role}),
                     ` lag ${fmt(m.lagMs)} ms`));
    }
    state.charts.cluster.set(members.map((m) => `node ${m.id} (${m.role})`), [members.map((m) => m.appliedPosition)]);
  }

  function setStatus(kind, text) {
    $('status').dataset.state = kind;
    $('status-text').textContent = text;
  }

  async function poll() {
    state.timer = null;
    const at = Date.now() / 1000;
    try {
      const [metrics, projections, relay, feed, best, coupons, cluster] = await Promise.all([
        api('/metrics').then((r) => (r.ok ? r.text() : Promise.reject(new Error(`/metrics: ${r.status}`)))),
        json('/api/v1/admin/projections'),
        json('/api/v1/admin/relay'),
        optionalJson('/api/v1/admin/feed'),
        json('/api/v1/products/best?days=3&limit=8'),
        json('/api/v1/admin/coupons?limit=100'),
        optionalJson('/api/v1/admin/cluster'),
      ]);
      updateFromMetrics(metrics, at);
      if (projections.body) renderProjections(projections.body, at);
      renderRelay(relay.body, feed.status === 200 ? feed.body : null, at);
      if (best.body) renderBest(best.body);
      if (coupons.body) renderCoupons(coupons.body);
      renderCluster(cluster);
      state.polls += 1;
      setStatus('ok', `live · log head ${fmt(state.head)} · ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      if (e instanceof Unauthorized) return signOut('the server refused the token');
      setStatus('error', `poll failed: ${e.message}`);
    }
    if (state.token) state.timer = setTimeout(poll, POLL_MS);
  }

  // ----------------------------------------------------------------- session

  function showDashboard() {
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('logout').hidden = false;
    if (!state.charts.commands) makeCharts();
    setStatus('idle', 'connecting…');
    if (!state.timer) poll();
  }

  function signOut(why) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    state.prev = null;
    $('dashboard').hidden = true;
    $('logout').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = why || '';
    setStatus('idle', 'not signed in');
    $('token').focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    state.token = token;
    try {
      const response = await api('/api/v1/admin/projections');
      if (!response.ok) throw new Error(`${response.status}`);
    } catch (e) {
      state.token = null;
      $('login-error').textContent = e instanceof Unauthorized ? 'That is not the admin token.' : `Cannot reach the server (${e.message}).`;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    $('login-error').textContent = '';
    showDashboard();
  }

  window.addEventListener('resize', () => {
    for (const c of Object.values(state.charts)) c.resize();
  });
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', () => signOut(''));

  // For tests and the curious: what each chart currently holds.
  window.eventmartConsole = {
    polls: () => state.polls,
    chart: (name) => (state.charts[name] ? state.charts[name].snapshot() : null),
    projections: () => state.projections.map((p) => ({...p})),
  };

  if (state.token) showDashboard();
  else signOut('');
})();
