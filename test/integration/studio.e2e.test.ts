/// <reference lib="dom" />
// The campaign studio in real headless Chromium against a running stack: a campaign built by
// typing into its forms, tested against a real receiver, activated, and its journey found in
// the inspector; a validation error at its field; a segment preview; a secret rotation.
// With HOOKWAY_SCREENSHOT=docs/dashboard.png it also leaves docs/studio-*.png.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningGateway } from '../../src/gateway/start';
import { launchChromium, type Browser } from '../support/browser';
import { Receiver } from '../support/receiver';
import { api, API_KEY, startTestGateway, startWorker, uniqueId } from '../support/stack';

const SCREENSHOTS = process.env.HOOKWAY_SCREENSHOT && path.dirname(path.resolve(process.env.HOOKWAY_SCREENSHOT));
const TEMPORAL_UI = 'http://127.0.0.1:8233';

describe('the campaign studio in headless Chromium', function () {
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const taskQueue = uniqueId('studio');

  before(async function () {
    this.timeout(180_000);
    [worker, gateway, receiver, browser] = await Promise.all([
      startWorker(taskQueue),
      startTestGateway(taskQueue, { temporalUiUrl: TEMPORAL_UI }),
      Receiver.start(),
      launchChromium(),
    ]);
    receiver.answerWith({ status: 202, headers: { 'x-provider-id': 'sms-1' }, body: '{"queued":true}' });
    page = await browser.context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    page.on(
      'response',
      (response) => void (response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`)),
    );
    await page.goto(`${gateway.url}/dashboard/studio.html`);
    await page.fill('#key', API_KEY);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#campaigns:not([hidden]) #example option', { state: 'attached' });
  });

  after(async function () {
    await browser?.close();
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  afterEach(function () {
    assert.deepEqual(errors.splice(0), [], 'the page logged no errors');
  });

  const screenshot = async (name: string, selector: string) => {
    if (SCREENSHOTS) await page.locator(selector).screenshot({ path: path.join(SCREENSHOTS, `studio-${name}.png`) });
  };

  it('builds, tests and activates the price-drop campaign through its forms, then shows its journey', async function () {
    this.timeout(120_000);
    const user = uniqueId('shopper');
    await api(gateway, 'POST', `/v1/users/${user}`, { properties: { phone: '+821012345678', smsOptIn: true } });
    // An earlier event of the trigger's name, so the composer can list its properties.
    await api(gateway, 'POST', '/v1/events', {
      name: 'price_dropped',
      userId: uniqueId('earlier'),
      properties: { productName: 'Chair', dropPercent: 10 },
    });

    await page.selectOption('#example', '');
    await page.click('#new-campaign');
    await page.waitForSelector('#editor:not([hidden]) [data-path="id"]');
    await page.fill('[data-path="id"]', 'price-drop');
    await page.fill('[data-path="name"]', 'Bookmarked item price drop (SMS)');
    await page.fill('[data-path="trigger.event"]', 'price_dropped');
    await page.click('text=Add trigger filter condition');
    await page.fill('[data-path="trigger.where.field"]', 'event.properties.dropPercent');
    await page.selectOption('[data-path="trigger.where.op"]', 'gte');
    await page.fill('[data-path="trigger.where.value"]', '5');
    await page.click('text=Add audience condition');
    await page.fill('[data-path="audience.field"]', 'user.properties.smsOptIn');
    await page.fill('[data-path="audience.value"]', 'true');
    await page.fill('[data-path="steps.0.id"]', 'sms');
    await page.fill('[data-path="steps.0.request.url"]', `${receiver.url}/sms`);
    // A variable goes in where the cursor was.
    const body = page.locator('[data-path="steps.0.request.body"]');
    await body.fill('{"to": "');
    await page.click('button.variable:text-is("user.properties.phone")');
    await body.press('End');
    await body.pressSequentially('", "text": "The price of your bookmarked [');
    await page.click('button.variable:text-is("event.properties.productName")');
    await body.press('End');
    await body.pressSequentially('] has dropped by {{event.properties.dropPercent}}%!"}');

    // The raw JSON beside the form follows every edit.
    const raw = JSON.parse(await page.inputValue('#raw'));
    assert.deepEqual(raw.trigger, {
      event: 'price_dropped',
      where: { field: 'event.properties.dropPercent', op: 'gte', value: 5 },
    });
    assert.deepEqual(raw.audience, { field: 'user.properties.smsOptIn', op: 'eq', value: true });
    assert.equal(raw.steps[0].request.body.to, '{{user.properties.phone}}');

    await page.fill('.try input', user);
    await page.fill('.try textarea', '{"productName": "Desk lamp", "dropPercent": 20}');
    await page.click('.try button.send-test');
    await page.waitForSelector('.test-result .response-status');
    assert.match((await page.textContent('.response-status')) ?? '', /^202 in \d+ ms$/);
    assert.equal(await page.textContent('.response-body'), '{"queued":true}');
    assert.match((await page.textContent('.response-headers')) ?? '', /x-provider-id: sms-1/);
    assert.match((await page.textContent('.sent-request')) ?? '', new RegExp(`^POST ${receiver.url}/sms`));
    const [tested] = await receiver.waitFor(1);
    assert.deepEqual(tested.json, {
      to: '+821012345678',
      text: 'The price of your bookmarked [Desk lamp] has dropped by 20%!',
    });
    await screenshot('composer', 'fieldset.composer');

    await page.click('#save');
    await page.waitForFunction(() =>
      document.getElementById('editor-status')!.textContent!.includes('Saved as version 1'),
    );
    await page.waitForSelector('#step-graph svg g.node[data-step="sms"]');
    assert.equal(await page.textContent('#editor-state'), 'draft · version 1');

    await page.click('button.lifecycle-activate');
    assert.match((await page.textContent('#confirm-message')) ?? '', /0 journeys are running/);
    await page.click('#confirm-ok');
    await page.waitForFunction(() => document.getElementById('editor-status')!.textContent!.includes('Now active'));

    const posted = await api(gateway, 'POST', '/v1/events', {
      name: 'price_dropped',
      userId: user,
      properties: { productName: 'Desk lamp', dropPercent: 30 },
    });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const requests = await receiver.waitFor(2);
    assert.deepEqual(requests[1].json, {
      to: '+821012345678',
      text: 'The price of your bookmarked [Desk lamp] has dropped by 30%!',
    });

    await page.click('nav a[data-view="journeys"]');
    await page.fill('#user-id', user);
    await page.click('#user-search button[type=submit]');
    const journey = page.locator('article.journey[data-journey="journey/price-drop/' + user + '"]');
    for (let tries = 0; !(await journey.locator('.delivery-succeeded').count()); tries++) {
      assert.ok(tries < 60, 'the delivery shows up as succeeded in the inspector');
      await page.click('#user-search button[type=submit]');
      await page.waitForTimeout(250);
    }
    assert.match(
      (await journey.locator('.delivery-succeeded .attempt').first().textContent()) ?? '',
      /Attempt 1 at .*: HTTP 202 in \d+ ms/,
    );
    assert.equal(await journey.locator('.response-excerpt').first().textContent(), '{"queued":true}');
    assert.match(
      (await journey.locator('.moment-event').first().textContent()) ?? '',
      /received the event price_dropped/,
    );
    assert.match((await journey.locator('.moment-step').first().textContent()) ?? '', /entered step sms$/);
    const link = await journey.locator('a.temporal-link').getAttribute('href');
    assert.equal(
      link,
      `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(`journey/price-drop/${user}`)}`,
    );
    await screenshot('inspector', '#journeys');
  });

  it("shows the API's validation error at the field it names, and keeps form and YAML in step", async function () {
    this.timeout(60_000);
    await page.goto(`${gateway.url}/dashboard/studio.html#campaigns`);
    await page.selectOption('#example', 'reengagement.json');
    // The list reloads each time its view is shown; the example chosen before stays chosen.
    const shown = async (view: string) => {
      const before = (await page.evaluate(() => document.body.dataset.loaded)) ?? '';
      await page.evaluate((hash) => (location.hash = hash), view);
      await page.waitForFunction(
        ([id, loaded]) => !document.getElementById(id)!.hidden && document.body.dataset.loaded !== loaded,
        [view, before],
      );
    };
    await shown('segments');
    await shown('campaigns');
    assert.equal(await page.inputValue('#example'), 'reengagement.json');
    await page.click('#new-campaign');
    await page.waitForSelector('#editor:not([hidden]) #step-graph g.node[data-step="email"]');
    const edges = await page
      .locator('#step-graph g.edge')
      .evaluateAll((nodes) => nodes.map((n) => `${n.getAttribute('data-from')}>${n.getAttribute('data-to')}`).sort());
    assert.deepEqual(edges, [
      '__start>idle',
      'afterPush>idle',
      'afterPush>sms',
      'afterSms>email',
      'afterSms>idle',
      'email>idle',
      'idle>idle',
      'idle>push',
      'push>afterPush',
      'sms>afterSms',
    ]);
    await page.fill('[data-path="id"]', 'win-back');
    await page.fill('[data-path="trigger.event"]', 'log in!');
    await page.click('#save');
    const note = page.locator('.field-error[data-issue-path="trigger.event"]');
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /trigger\.event: must be 1–128 letters/);
    assert.equal(await page.getAttribute('[data-path="trigger.event"]', 'aria-invalid'), 'true');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-path')),
      'trigger.event',
      'the field with the mistake has the focus',
    );
    // Chromium logs the refused save (400) as a console error; from here on there must be none.
    errors.length = 0;

    // Edited as YAML, the form follows; the fixed campaign saves.
    await page.selectOption('#raw-format', 'yaml');
    const yaml = await page.inputValue('#raw');
    assert.match(yaml, /event: log in!/);
    await page.fill('#raw', yaml.replace('event: log in!', 'event: login'));
    assert.equal(await page.inputValue('[data-path="trigger.event"]'), 'login');
    await page.click('#save');
    await page.waitForFunction(() =>
      document.getElementById('editor-status')!.textContent!.includes('Saved as version 1'),
    );
    if (SCREENSHOTS)
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'studio-editor.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1100 },
      });

    // On a phone the editor stacks its panes; nothing needs sideways scrolling but the graph's own box.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.setViewportSize({ width: 1280, height: 1000 });
    assert.ok(overflow <= 390, `the page is ${overflow} px wide on a 390 px screen`);
  });

  it("previews a segment's count and sample before it is saved", async function () {
    this.timeout(60_000);
    const gold = [uniqueId('gold-a'), uniqueId('gold-b')].sort();
    for (const [id, tier] of [
      [gold[0], 'gold'],
      [gold[1], 'gold'],
      [uniqueId('silver'), 'silver'],
    ]) {
      await api(gateway, 'POST', `/v1/users/${id}`, { properties: { tier } });
    }
    await page.goto(`${gateway.url}/dashboard/studio.html#segments`);
    await page.click('#new-segment');
    await page.fill('#segment-form [data-path="id"]', 'gold');
    await page.fill('#segment-form [data-path="name"]', 'Gold members');
    await page.fill('#segment-form [data-path="condition.field"]', 'user.properties.tier');
    await page.fill('#segment-form [data-path="condition.value"]', 'gold');
    await page.click('#segment-preview-button');
    await page.waitForSelector('.segment-count');
    assert.equal(await page.textContent('.segment-count'), '2 users match now.');
    assert.equal(await page.textContent('#segment-preview p:nth-of-type(2)'), `For example: ${gold.join(', ')}`);
    assert.equal((await api(gateway, 'GET', '/v1/segments/gold')).status, 404, 'a preview saves nothing');
    await page.click('#segment-save');
    await page.waitForSelector('#segment-rows tr >> text=Gold members (gold)');
  });

  it('creates a destination and rotates its signing secret, showing each secret once', async function () {
    this.timeout(60_000);
    await page.goto(`${gateway.url}/dashboard/studio.html#destinations`);
    await page.click('#new-destination');
    await page.fill('#destination-form [data-path="id"]', 'sms-gateway');
    await page.fill('#destination-form [data-path="name"]', 'SMS gateway');
    await page.fill('#destination-form [data-path="url"]', receiver.url);
    await page.selectOption('#destination-form [data-path="auth.type"]', 'bearer');
    await page.fill('#destination-form [data-path="auth.token"]', 'token-that-is-never-shown');
    await page.click('#destination-save');
    await page.waitForSelector('#destination-secret:not([hidden]) .secret');
    const first = await page.textContent('#destination-secret .secret');
    await page.waitForSelector('tr[data-destination="sms-gateway"]');
    assert.ok(
      !(await page.textContent('#destinations'))!.includes('token-that-is-never-shown'),
      'the token is not shown back',
    );

    await page.click('tr[data-destination="sms-gateway"] button.rotate');
    await page.click('#confirm-ok');
    await page.waitForFunction(
      (before) => document.querySelector('#destination-secret .secret')?.textContent !== before,
      first,
    );
    const second = await page.textContent('#destination-secret .secret');
    assert.ok(first && second && first !== second);
    const stored = await api(gateway, 'GET', '/v1/destinations/sms-gateway');
    assert.equal(stored.body.signingSecrets.length, 2, 'the old secret signs beside the new one for the grace period');
    assert.ok(stored.body.signingSecrets.every((s: { hint: string }) => !s.hint.includes(second!.slice(8))));
  });
});
