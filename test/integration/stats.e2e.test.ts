// Analytics end to end: a real campaign run (gateway, worker, Temporal, FerretDB, local
// receivers); the stats API, the overview and the Prometheus metrics must show what the
// receivers actually saw.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { runStatsScenario, settled, signUp, webhookIds, type StatsScenario } from '../support/stats-scenario';
import { api, eventually, startTestGateway, startWorker, uniqueId } from '../support/stack';

/** The value of one sample in Prometheus text format; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (wanted.every((pair) => (match[2] ?? '').includes(pair))) return Number(match[3]);
  }
  return 0;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return response.text();
}

describe('campaign analytics, end to end', function () {
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let scenario: StatsScenario;
  const taskQueue = uniqueId('stats-e2e');

  before(async function () {
    this.timeout(180_000);
    worker = await startWorker(taskQueue, { serveMetrics: true });
    gateway = await startTestGateway(taskQueue);
    scenario = await runStatsScenario(gateway);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await scenario?.close();
  });

  it('counts what the receivers saw: attempts, successes, failures, retries, conversions, exits and the funnel', async function () {
    const { provider, broken } = scenario;
    const { status, body } = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}/stats`);
    assert.equal(status, 200);
    const { totals } = body;
    assert.equal(totals.entered, scenario.delivered.length + scenario.failed.length);
    assert.equal(totals.webhooks.attempted, provider.requests.length + broken.requests.length);
    assert.equal(totals.webhooks.succeeded, webhookIds(provider).size);
    assert.equal(totals.webhooks.failed, webhookIds(broken).size);
    // The provider's one 503 was retried: one request more than webhooks.
    assert.equal(totals.webhooks.retried, provider.requests.length - webhookIds(provider).size);
    assert.equal(totals.webhooks.retried, 1);
    assert.equal(totals.conversions, scenario.converted.length);
    assert.equal(totals.conversionRate, Math.round((2 / 5) * 10_000) / 10_000);
    assert.equal(totals.successRate, 0.6);
    assert.deepEqual(totals.exited, { webhookFailed: 2, goalReached: 2 });
    assert.ok(totals.latencyMs.p50 !== null && totals.latencyMs.p95 >= totals.latencyMs.p50);
    assert.deepEqual(body.funnel, [
      { stage: 'entered', count: 5 },
      { stage: 'step', step: 'notify', reached: 2, sent: 0 },
      { stage: 'step', step: 'welcome', reached: 3, sent: 3 },
      { stage: 'goal', count: 2 },
    ]);
    assert.deepEqual(
      body.versions.map((v: { version: number; entered: number }) => [v.version, v.entered]),
      [[1, 5]],
    );
    assert.ok(
      body.series.length === 24 || body.series.length === 25,
      'a day of hourly buckets by default, from the whole hour',
    );
    const sum = (key: string) => body.series.reduce((n: number, p: Record<string, number>) => n + p[key], 0);
    assert.deepEqual([sum('entered'), sum('sent'), sum('failed'), sum('conversions')], [5, 3, 2, 2]);

    const daily = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}/stats?bucket=day`);
    assert.equal(daily.body.series.length >= 30, true);
    assert.equal(
      daily.body.series.reduce((n: number, p: { sent: number }) => n + p.sent, 0),
      3,
    );
  });

  it('shows every campaign in the overview with its rates and a series', async function () {
    const { status, body } = await api(gateway, 'GET', '/v1/stats/overview');
    assert.equal(status, 200);
    const campaign = body.campaigns.find((c: { id: string }) => c.id === scenario.campaignId);
    assert.equal(campaign.status, 'active');
    assert.equal(campaign.entered, 5);
    assert.equal(campaign.successRate, 0.6);
    assert.equal(campaign.conversions, 2);
    assert.equal(
      campaign.series.reduce((n: number, p: { sent: number }) => n + p.sent, 0),
      3,
    );
  });

  it('refuses a bad range or bucket with a 400 naming the field, and an unknown campaign with a 404', async function () {
    const bucket = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}/stats?bucket=week`);
    assert.equal(bucket.status, 400);
    assert.equal(bucket.body.error.issues[0].path, 'bucket');
    const backwards = await api(
      gateway,
      'GET',
      `/v1/campaigns/${scenario.campaignId}/stats?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z`,
    );
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.error.issues[0].path, 'from');
    const notATime = await api(gateway, 'GET', '/v1/stats/overview?to=yesterday');
    assert.equal(notATime.status, 400);
    assert.equal(notATime.body.error.issues[0].path, 'to');
    assert.equal((await api(gateway, 'GET', '/v1/campaigns/no-such-campaign/stats')).status, 404);
  });

  it('keeps each campaign version apart', async function () {
    const { body: current } = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}`);
    const edited = await api(gateway, 'PUT', `/v1/campaigns/${scenario.campaignId}`, {
      ...current.definition,
      name: 'Welcome series v2',
    });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.version, 2);
    await signUp(gateway, uniqueId('newcomer'), true);
    await settled(gateway, scenario.campaignId, scenario.delivered.length + 1, scenario.failed.length);
    const v2 = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}/stats?version=2`);
      return body.totals.webhooks.succeeded === 1 ? body : undefined;
    });
    assert.equal(v2.version, 2);
    assert.equal(v2.totals.entered, 1);
    const { body } = await api(gateway, 'GET', `/v1/campaigns/${scenario.campaignId}/stats`);
    const byVersion = Object.fromEntries(
      body.versions.map((v: { version: number; entered: number }) => [v.version, v.entered]),
    );
    assert.equal(byVersion[1], 5);
    assert.equal(byVersion[2], 1);
  });

  it('moves the Prometheus metrics of the gateway and the worker with real traffic', async function () {
    const before = await scrape(`${gateway.url}/metrics`);
    const accepted = sample(before, 'hookway_events_total', { result: 'accepted' });
    assert.ok(accepted >= 7, `accepted ${accepted}`);
    const eventId = uniqueId('dup');
    await api(gateway, 'POST', '/v1/events', { id: eventId, userId: 'someone', name: 'browsed' });
    await api(gateway, 'POST', '/v1/events', { id: eventId, userId: 'someone', name: 'browsed' });
    assert.equal((await api(gateway, 'POST', '/v1/events', { userId: 'someone' })).status, 400);
    const after = await scrape(`${gateway.url}/metrics`);
    assert.equal(sample(after, 'hookway_events_total', { result: 'accepted' }), accepted + 1);
    assert.equal(
      sample(after, 'hookway_events_total', { result: 'duplicate' }),
      sample(before, 'hookway_events_total', { result: 'duplicate' }) + 1,
    );
    assert.equal(
      sample(after, 'hookway_events_total', { result: 'rejected' }),
      sample(before, 'hookway_events_total', { result: 'rejected' }) + 1,
    );
    assert.ok(
      sample(after, 'hookway_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' }) >= accepted,
    );
    assert.ok(
      sample(after, 'hookway_http_requests_total', {
        method: 'GET',
        route: '/v1/campaigns/:id/stats',
        status: '200',
      }) >= 1,
    );
    assert.ok(
      sample(after, 'hookway_http_requests_total', {
        method: 'GET',
        route: '/v1/campaigns/:id/stats',
        status: '400',
      }) >= 1,
    );
    assert.equal(
      sample(after, 'hookway_http_requests_total', { method: 'POST', route: '/v1/events', status: '400' }),
      1,
    );
    assert.doesNotMatch(after, new RegExp(scenario.campaignId), 'no ids in labels');
    assert.match(after, /^hookway_routing_lag_seconds \d/m);

    const { provider, broken } = scenario;
    const workerMetrics = await scrape(worker.metricsUrl!);
    assert.equal(
      sample(workerMetrics, 'hookway_deliveries_total', { outcome: 'succeeded' }),
      webhookIds(provider).size,
    );
    assert.equal(sample(workerMetrics, 'hookway_deliveries_total', { outcome: 'failed' }), webhookIds(broken).size);
    assert.equal(sample(workerMetrics, 'hookway_webhook_attempts_total', { outcome: 'retry' }), 1);
    assert.equal(
      sample(workerMetrics, 'hookway_webhook_latency_seconds_count'),
      provider.requests.length + broken.requests.length,
    );
    assert.equal(
      sample(workerMetrics, 'hookway_destination_breaker_state', {
        destination: scenario.destinationId,
        state: 'enabled',
      }),
      1,
    );
    assert.equal(
      sample(workerMetrics, 'hookway_destination_breaker_state', {
        destination: scenario.destinationId,
        state: 'open',
      }),
      0,
    );
  });
});
