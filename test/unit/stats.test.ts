import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { COUNTER, emptyHistogram, exitCounter, latencyBucket, percentile, summarize } from '../../src/domain/stats';
import { serveMetrics } from '../../src/metrics/serve';

describe('stats arithmetic', () => {
  it('puts a latency in the first bucket whose bound holds it, past the last bound in the overflow bucket', () => {
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(25), 0);
    assert.equal(latencyBucket(26), 1);
    assert.equal(latencyBucket(30_000), 9);
    assert.equal(latencyBucket(90_000), 10);
  });

  it('derives percentiles inside the bucket they fall in, and none without samples', () => {
    assert.equal(percentile(emptyHistogram(), 0.5), undefined);
    const histogram = emptyHistogram();
    histogram[latencyBucket(300)] = 10; // 250–500 ms
    assert.equal(percentile(histogram, 0.5), 375);
    assert.equal(percentile(histogram, 1), 500);
    const slow = emptyHistogram();
    slow[latencyBucket(60_000)] = 3;
    assert.equal(percentile(slow, 0.95), 30_000, 'the histogram knows no more than its last bound');
  });

  it('summarizes counters into rates, leaving a rate null before there is anything to divide by', () => {
    const empty = summarize({}, emptyHistogram());
    assert.equal(empty.conversionRate, null);
    assert.equal(empty.successRate, null);
    const summary = summarize(
      {
        [COUNTER.entered]: 8,
        [COUNTER.conversions]: 2,
        [COUNTER.succeeded]: 3,
        [COUNTER.failed]: 1,
        [exitCounter('completed')]: 5,
      },
      emptyHistogram(),
    );
    assert.equal(summary.conversionRate, 0.25);
    assert.equal(summary.successRate, 0.75);
    assert.deepEqual(summary.exited, { completed: 5 });
  });
});

describe('serveMetrics', () => {
  it('answers GET /metrics in Prometheus text, 404 elsewhere, and refuses a port in use instead of crashing', async () => {
    const registry = new Registry();
    new Counter({ name: 'hookway_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const { url, server } = await serveMetrics(registry, '127.0.0.1', 0);
    try {
      const answer = await fetch(url);
      assert.equal(answer.status, 200);
      assert.match(await answer.text(), /^hookway_test_total 3$/m);
      assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
      const port = Number(new URL(url).port);
      await assert.rejects(serveMetrics(registry, '127.0.0.1', port), /EADDRINUSE/);
    } finally {
      server.close();
    }
  });

  it('answers GET /healthz 200 while every service is ok and 503 naming the one that is not', async () => {
    let mongodb: 'ok' | 'down' = 'ok';
    const { url, server } = await serveMetrics(new Registry(), '127.0.0.1', 0, async () => ({ mongodb }));
    const health = url.replace('/metrics', '/healthz');
    try {
      const ok = await fetch(health);
      assert.deepEqual([ok.status, await ok.json()], [200, { status: 'ok', services: { mongodb: 'ok' } }]);
      mongodb = 'down';
      const down = await fetch(health);
      assert.deepEqual(
        [down.status, await down.json()],
        [503, { status: 'unavailable', services: { mongodb: 'down' } }],
      );
    } finally {
      server.close();
    }
  });
});
