// The Hookway dashboard: reads the stats and deliveries APIs with the key the user typed.
// The key lives in sessionStorage only (gone when the tab closes). Data from the API is
// written with textContent, never as HTML.
'use strict';

const KEY_STORAGE = 'hookway.apiKey';
const COLORS = { sent: '#2f7de1', failed: '#d64541', conversions: '#2e9e6b', entered: '#7a869a' };
const charts = { timeline: undefined, funnel: undefined, sparks: [] };
let selected;

const $ = (id) => document.getElementById(id);

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` } });
  if (response.status === 401) throw new Unauthorized('the API key was refused');
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

function range() {
  const days = Number($('range').value);
  const to = new Date();
  return { from: new Date(to.getTime() - days * 86400000), to, bucket: days > 2 ? 'day' : 'hour' };
}

function rangeQuery() {
  const { from, to } = range();
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}

function percent(rate) {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function label(start, bucket) {
  const date = new Date(start);
  return bucket === 'day' ? date.toISOString().slice(5, 10) : `${date.toISOString().slice(11, 16)}`;
}

function showLogin(message) {
  $('app').hidden = true;
  $('controls').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('key').focus();
}

function sparkline(canvas, series) {
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: series.map((p) => p.start),
      datasets: [
        { data: series.map((p) => p.sent), borderColor: COLORS.sent, borderWidth: 1.5, pointRadius: 0, fill: false },
        {
          data: series.map((p) => p.failed),
          borderColor: COLORS.failed,
          borderWidth: 1.5,
          pointRadius: 0,
          fill: false,
        },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: { x: { display: false }, y: { display: false, beginAtZero: true } },
    },
  });
}

async function loadOverview() {
  const overview = await api(`/v1/stats/overview?${rangeQuery()}`);
  charts.sparks.forEach((chart) => chart.destroy());
  charts.sparks = [];
  const body = $('overview').querySelector('tbody');
  body.replaceChildren();
  for (const campaign of overview.campaigns) {
    const row = document.createElement('tr');
    row.dataset.campaign = campaign.id;
    if (campaign.id === selected) row.classList.add('selected');
    cell(row, `${campaign.name} (${campaign.id})`);
    const state = document.createElement('span');
    state.className = `state state-${campaign.status}`;
    state.textContent = campaign.status;
    cell(row, '').appendChild(state);
    cell(row, String(campaign.entered), 'num entered');
    cell(row, percent(campaign.successRate), 'num success-rate');
    cell(row, String(campaign.conversions), 'num conversions');
    const canvas = document.createElement('canvas');
    canvas.className = 'spark';
    canvas.width = 160;
    canvas.height = 36;
    cell(row, '').appendChild(canvas);
    row.addEventListener('click', () => select(campaign.id));
    body.appendChild(row);
    charts.sparks.push(sparkline(canvas, campaign.series));
  }
  $('overview-empty').hidden = overview.campaigns.length > 0;
}

function tile(name, value, testId) {
  const div = document.createElement('div');
  div.className = 'tile';
  div.dataset.stat = testId;
  const l = document.createElement('div');
  l.className = 'label';
  l.textContent = name;
  const v = document.createElement('div');
  v.className = 'value';
  v.textContent = value;
  div.append(l, v);
  return div;
}

function renderTiles(totals) {
  const ms = (n) => (n === null ? '–' : `${n} ms`);
  $('tiles').replaceChildren(
    tile('Entered', String(totals.entered), 'entered'),
    tile('Attempts', String(totals.webhooks.attempted), 'attempted'),
    tile('Sent', String(totals.webhooks.succeeded), 'succeeded'),
    tile('Failed', String(totals.webhooks.failed), 'failed'),
    tile('Retried', String(totals.webhooks.retried), 'retried'),
    tile('Held (quiet hours)', String(totals.heldQuietHours), 'heldQuietHours'),
    tile('Capped', String(totals.capped), 'capped'),
    tile('Conversions', String(totals.conversions), 'conversions'),
    tile('Conversion rate', percent(totals.conversionRate), 'conversionRate'),
    tile('Success rate', percent(totals.successRate), 'successRate'),
    tile('Latency p50', ms(totals.latencyMs.p50), 'p50'),
    tile('Latency p95', ms(totals.latencyMs.p95), 'p95'),
  );
}

function renderTimeline(stats) {
  if (charts.timeline) charts.timeline.destroy();
  const line = (name, key, color) => ({
    label: name,
    data: stats.series.map((p) => p[key]),
    borderColor: color,
    backgroundColor: color,
    tension: 0.2,
  });
  charts.timeline = new Chart($('timeline'), {
    type: 'line',
    data: {
      labels: stats.series.map((p) => label(p.start, stats.bucket)),
      datasets: [
        line('Sent', 'sent', COLORS.sent),
        line('Failed', 'failed', COLORS.failed),
        line('Conversions', 'conversions', COLORS.conversions),
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

function renderFunnel(stats) {
  if (charts.funnel) charts.funnel.destroy();
  const labels = [];
  const values = [];
  const colors = [];
  for (const stage of stats.funnel) {
    if (stage.stage === 'step') {
      labels.push(`${stage.step}: reached`, `${stage.step}: sent`);
      values.push(stage.reached, stage.sent);
      colors.push(COLORS.entered, COLORS.sent);
    } else {
      labels.push(stage.stage === 'entered' ? 'Entered' : 'Goal reached');
      values.push(stage.count);
      colors.push(stage.stage === 'entered' ? COLORS.entered : COLORS.conversions);
    }
  }
  charts.funnel = new Chart($('funnel'), {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Journeys', data: values, backgroundColor: colors }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

async function loadFailures(campaignId) {
  const since = range().from.toISOString();
  const { deliveries } = await api(
    `/v1/deliveries?campaignId=${encodeURIComponent(campaignId)}&status=failed&since=${encodeURIComponent(since)}&limit=20`,
  );
  const body = $('failures').querySelector('tbody');
  body.replaceChildren();
  for (const delivery of deliveries) {
    const row = document.createElement('tr');
    cell(row, new Date(delivery.updatedAt || delivery.createdAt).toLocaleString());
    cell(row, delivery.userId);
    cell(row, delivery.stepId);
    cell(row, delivery.id);
    cell(row, delivery.error || '', 'error-text');
    body.appendChild(row);
  }
  $('failures-empty').hidden = deliveries.length > 0;
}

async function loadDetail(campaignId) {
  const { bucket } = range();
  const stats = await api(`/v1/campaigns/${encodeURIComponent(campaignId)}/stats?${rangeQuery()}&bucket=${bucket}`);
  $('detail').hidden = false;
  $('detail-title').textContent =
    `${stats.campaign.name} (${stats.campaign.id}) · ${stats.campaign.status}, version ${stats.campaign.version}`;
  renderTiles(stats.totals);
  renderTimeline(stats);
  renderFunnel(stats);
  await loadFailures(campaignId);
}

async function select(campaignId) {
  selected = campaignId;
  location.hash = `campaign=${encodeURIComponent(campaignId)}`;
  document
    .querySelectorAll('#overview tbody tr')
    .forEach((row) => row.classList.toggle('selected', row.dataset.campaign === campaignId));
  await guarded(() => loadDetail(campaignId));
}

async function guarded(load) {
  $('status').textContent = '';
  try {
    await load();
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    if (err instanceof Unauthorized) {
      sessionStorage.removeItem(KEY_STORAGE);
      showLogin('That key was refused. Try again.');
      return;
    }
    $('status').textContent = `Could not load: ${err.message}`;
  }
}

async function refresh() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('controls').hidden = false;
  await guarded(async () => {
    await loadOverview();
    if (selected) await loadDetail(selected);
  });
}

function start() {
  const match = /campaign=([^&]+)/.exec(location.hash);
  if (match) selected = decodeURIComponent(match[1]);
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('key').value.trim());
    $('key').value = '';
    void refresh();
  });
  $('refresh').addEventListener('click', () => void refresh());
  $('range').addEventListener('change', () => void refresh());
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin();
  });
  if (sessionStorage.getItem(KEY_STORAGE)) void refresh();
  else showLogin();
}

document.addEventListener('DOMContentLoaded', start);
