/// <reference lib="dom" />
// The dashboard in real headless Chromium (Debian's, driven by playwright-core) against a
// running stack with real data: the numbers it shows must be the real counts, and its
// charts must have drawn them. With HOOKWAY_SCREENSHOT=docs/dashboard.png it leaves a screenshot there.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { RunningGateway } from '../../src/gateway/start';
import { launchChromium, type Browser } from '../support/browser';
import { runStatsScenario, webhookIds, type StatsScenario } from '../support/stats-scenario';
import { API_KEY, startTestGateway, startWorker, uniqueId } from '../support/stack';

// A test run leaves tracked files alone; the documentation's screenshot is taken on request.
const SCREENSHOT = process.env.HOOKWAY_SCREENSHOT && path.resolve(process.env.HOOKWAY_SCREENSHOT);

/** What a Chart.js chart on a canvas holds: its datasets' numbers, and whether any pixel was drawn. */
function chartOf(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(sel)!;
    const chart = (
      window as unknown as {
        Chart: {
          getChart(
            c: HTMLCanvasElement,
          ): { data: { labels: string[]; datasets: Array<{ label?: string; data: number[] }> } } | undefined;
        };
      }
    ).Chart.getChart(canvas);
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) drawn++;
    return chart
      ? {
          labels: chart.data.labels,
          datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
          drawn,
        }
      : undefined;
  }, selector);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('the analytics dashboard in headless Chromium', function () {
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let scenario: StatsScenario;
  let browser: Browser;
  let context: BrowserContext;
  const taskQueue = uniqueId('dashboard');

  before(async function () {
    this.timeout(240_000);
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    scenario = await runStatsScenario(gateway);
    browser = await launchChromium();
    context = browser.context;
  });

  after(async function () {
    await browser?.close();
    await gateway?.close();
    await worker?.stop();
    await scenario?.close();
  });

  it('asks for the key, keeps it in the session only, and shows the real counts and charts', async function () {
    this.timeout(120_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));

    const response = await page.goto(`${gateway.url}/dashboard`);
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), `${gateway.url}/dashboard/`, 'redirected to the folder, so relative links resolve');
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(response?.headers()['x-content-type-options'], 'nosniff');

    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#key', 'not-the-key-at-all');
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-error')!.textContent!.includes('refused'));
    // Chromium logs the refused request (401) as a console error; from here on there must be none.
    errors.length = 0;

    await page.fill('#key', API_KEY);
    await page.click('#login button[type=submit]');
    const row = page.locator(`#overview tr[data-campaign="${scenario.campaignId}"]`);
    await row.waitFor();
    assert.equal(await row.locator('td.entered').textContent(), '5');
    assert.equal(await row.locator('td.success-rate').textContent(), '60.0%');
    assert.equal(await row.locator('td.conversions').textContent(), String(scenario.converted.length));
    const spark = await chartOf(page, `#overview tr[data-campaign="${scenario.campaignId}"] canvas`);
    assert.ok(spark, 'the sparkline is a Chart.js chart');
    assert.equal(sum(spark.datasets[0].data), webhookIds(scenario.provider).size);
    assert.ok(spark.drawn > 0, 'the sparkline drew pixels');

    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem('hookway.apiKey'),
      local: localStorage.length,
      cookies: document.cookie,
    }));
    assert.deepEqual(storage, { session: API_KEY, local: 0, cookies: '' });

    await row.click();
    const tile = (name: string) => page.locator(`#tiles [data-stat="${name}"] .value`).textContent();
    await page.waitForSelector('#tiles [data-stat="entered"]');
    const { provider, broken } = scenario;
    assert.equal(await tile('entered'), '5');
    assert.equal(await tile('attempted'), String(provider.requests.length + broken.requests.length));
    assert.equal(await tile('succeeded'), String(webhookIds(provider).size));
    assert.equal(await tile('failed'), String(webhookIds(broken).size));
    assert.equal(await tile('retried'), '1');
    assert.equal(await tile('conversions'), '2');
    assert.equal(await tile('conversionRate'), '40.0%');

    const timeline = await chartOf(page, '#timeline');
    assert.ok(timeline);
    const series = Object.fromEntries(timeline.datasets.map((d) => [d.label, sum(d.data)]));
    assert.deepEqual(series, { Sent: 3, Failed: 2, Conversions: 2 });
    assert.ok(timeline.drawn > 1000, 'the timeline drew its lines and axes');

    const funnel = await chartOf(page, '#funnel');
    assert.ok(funnel);
    assert.deepEqual(funnel.labels, [
      'Entered',
      'notify: reached',
      'notify: sent',
      'welcome: reached',
      'welcome: sent',
      'Goal reached',
    ]);
    assert.deepEqual(funnel.datasets[0].data, [5, 2, 0, 3, 3, 2]);
    assert.ok(funnel.drawn > 1000);

    const failures = page.locator('#failures tbody tr');
    await failures.first().waitFor();
    assert.equal(await failures.count(), webhookIds(broken).size);
    const failedText = await failures.allTextContents();
    for (const userId of scenario.failed)
      assert.ok(
        failedText.some((text) => text.includes(userId)),
        `${userId} is listed`,
      );
    assert.ok(
      failedText.every((text) => /400/.test(text)),
      failedText.join('\n'),
    );

    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(errors, []);

    // "Forget key" drops it from the session and asks again.
    await page.click('#forget');
    await page.waitForSelector('#login:not([hidden])');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hookway.apiKey')), null);
  });
});
