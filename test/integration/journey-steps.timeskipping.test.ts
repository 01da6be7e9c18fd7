// Journey steps and rules over days of workflow time, on the time-skipping server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventSignal, stateQuery } from '../../workflows';
import { JOURNEY_STATE, JOURNEY_STEP } from '../../workflows/search-attributes';
import { uniqueId } from '../support/stack';
import { campaign, event, timeSkippingSuite } from '../support/time-skipping';

const DAY_MS = 86_400_000;

describe('journey steps (time-skipping server)', function () {
  const suite = timeSkippingSuite();

  const webhook = (id: string, body: unknown = {}, extra: object = {}) => ({
    id,
    type: 'webhook',
    request: { url: `${suite.receiver.url}/${id}`, body },
    ...extra,
  });
  const paths = () => suite.receiver.requests.map((r) => r.path);

  it('waitForEvent answered: takes the onEvent path and exposes the awaited event to templates', async function () {
    const userId = uniqueId('user');
    const definition = campaign({
      id: uniqueId('cart'),
      name: 'Cart',
      trigger: { event: 'cart_created' },
      steps: [
        {
          id: 'checkout',
          type: 'waitForEvent',
          event: 'purchase',
          where: { field: 'event.properties.amount', op: 'gte', value: 10 },
          timeout: '2d',
          onEvent: 'thanks',
          onTimeout: 'remind',
        },
        webhook('thanks', { amount: '{{steps.checkout.event.properties.amount}}' }, { next: 'done' }),
        webhook('remind'),
        { id: 'done', type: 'exit', reason: 'finished' },
      ],
    });
    const result = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.ts.env.sleep('1d');
      assert.equal((await handle.query(stateQuery)).currentStep, 'checkout');
      await handle.signal(eventSignal, event(userId, 'purchase', { amount: 5 }));
      await handle.signal(eventSignal, event(userId, 'purchase', { amount: 42 }));
      return handle.result();
    });
    assert.deepEqual(result, { outcome: 'exited', step: 'done', reason: 'finished' });
    assert.deepEqual(paths(), ['/thanks']);
    assert.deepEqual(suite.receiver.requests[0].json, { amount: 42 });
  });

  it('waitForEvent timed out: takes the onTimeout path after the timeout', async function () {
    const definition = campaign({
      id: uniqueId('cart'),
      name: 'Cart',
      trigger: { event: 'cart_created' },
      steps: [
        {
          id: 'checkout',
          type: 'waitForEvent',
          event: 'purchase',
          timeout: '2d',
          onEvent: 'thanks',
          onTimeout: 'remind',
        },
        webhook('thanks', {}, { next: 'remind' }),
        webhook('remind'),
      ],
    });
    const started = await suite.ts.env.currentTimeMs();
    const result = await suite.ts.run(async () => (await suite.ts.startJourney(definition, uniqueId('user'))).result());
    assert.equal(result.outcome, 'completed');
    assert.ok((await suite.ts.env.currentTimeMs()) - started >= 2 * DAY_MS);
    assert.deepEqual(paths(), ['/remind']);
  });

  it('branches on a saved webhook response', async function () {
    suite.receiver.answerWith({ status: 200, body: '{"tier":"gold","balance":12500}' });
    const definition = campaign({
      id: uniqueId('tiered'),
      name: 'Tiered',
      trigger: { event: 'signed_up' },
      steps: [
        webhook('lookup'),
        {
          id: 'route',
          type: 'branch',
          cases: [{ when: { field: 'steps.lookup.response.body.tier', op: 'eq', value: 'gold' }, next: 'gold' }],
          default: 'basic',
        },
        webhook('gold', { balance: '{{steps.lookup.response.body.balance}}' }, { next: 'end' }),
        webhook('basic'),
        { id: 'end', type: 'exit' },
      ],
    });
    await suite.ts.run(async () => (await suite.ts.startJourney(definition, uniqueId('user'))).result());
    assert.deepEqual(paths(), ['/lookup', '/gold']);
    assert.deepEqual(suite.receiver.requests[1].json, { balance: 12500 });
  });

  it('an exit event in the middle of a 7-day delay ends the journey at once and sends nothing more', async function () {
    const userId = uniqueId('user');
    const definition = campaign({
      id: uniqueId('winback'),
      name: 'Win back',
      trigger: { event: 'signed_up' },
      exitOn: [{ event: 'unsubscribed' }],
      steps: [webhook('welcome'), { id: 'wait', type: 'delay', duration: '7d' }, webhook('nudge')],
    });
    const { result, description } = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.ts.env.sleep('1d');
      assert.match((await handle.query(stateQuery)).waitingFor ?? '', /^delay until /);
      await handle.signal(eventSignal, event(userId, 'unsubscribed'));
      return { result: await handle.result(), description: await handle.describe() };
    });
    assert.deepEqual(result, { outcome: 'exited', reason: 'event:unsubscribed' });
    const ranFor = description.closeTime!.getTime() - description.startTime.getTime();
    assert.ok(ranFor < 2 * DAY_MS, `the journey ended long before the delay was over (it ran ${ranFor} ms)`);
    assert.deepEqual(paths(), ['/welcome']);
  });

  it('an exit event ends the journey while a webhook waits between retries, and the delivery is marked failed', async function () {
    suite.receiver.answerWith({ status: 503 });
    const userId = uniqueId('user');
    const definition = campaign({
      id: uniqueId('retrying'),
      name: 'Retrying',
      trigger: { event: 'signed_up' },
      exitOn: [{ event: 'unsubscribed' }],
      steps: [webhook('sms'), webhook('email')],
    });
    const result = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.receiver.waitFor(1);
      await suite.ts.env.sleep('1h');
      await handle.signal(eventSignal, event(userId, 'unsubscribed'));
      return handle.result();
    });
    assert.deepEqual(result, { outcome: 'exited', reason: 'event:unsubscribed' });
    assert.ok(
      paths().every((p) => p === '/sms'),
      'the next step never ran',
    );
    const [delivery] = await suite.ts.repositories.deliveries.list({ campaignId: definition.id, limit: 10 });
    assert.equal(delivery.status, 'failed');
    assert.match(delivery.error ?? '', /journey ended/);
  });

  it('a finally failed webhook goes to its onFailure step', async function () {
    suite.receiver.answerWith({ status: 400 }, { status: 200 });
    const definition = campaign({
      id: uniqueId('fallback'),
      name: 'Fallback',
      trigger: { event: 'signed_up' },
      steps: [webhook('sms', {}, { onFailure: 'email', next: 'end' }), webhook('email'), { id: 'end', type: 'exit' }],
    });
    const result = await suite.ts.run(async () => (await suite.ts.startJourney(definition, uniqueId('user'))).result());
    assert.deepEqual(result, { outcome: 'exited', step: 'end', reason: 'exit' });
    assert.deepEqual(paths(), ['/sms', '/email']);
  });

  it('re-engagement example: push after 7 idle days, SMS a day later, and a login goes back to waiting', async function () {
    const example = readFileSync(path.join(__dirname, '../../../examples/reengagement.json'), 'utf8').replaceAll(
      'http://127.0.0.1:4000',
      suite.receiver.url,
    );
    const definition = campaign(JSON.parse(example));
    const userId = uniqueId('user');
    await suite.ts.repositories.profiles.merge([
      { userId, properties: { phone: '+821000000000', email: 'a@example.com' }, seenAt: new Date() },
    ]);
    await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.ts.env.sleep('5d');
      await handle.signal(eventSignal, event(userId, 'login'));
      await suite.ts.env.sleep('6d');
      assert.deepEqual(paths(), [], 'a login five days in restarted the 7-day wait');
      await suite.ts.env.sleep('1d');
      await suite.receiver.waitFor(1);
      await suite.ts.env.sleep('1d');
      await suite.receiver.waitFor(2);
      await handle.signal(eventSignal, event(userId, 'login'));
      await suite.ts.env.sleep('3d');
      assert.equal((await handle.query(stateQuery)).currentStep, 'idle');
      await handle.terminate('test over');
    });
    assert.deepEqual(paths(), ['/push', '/sms']);
    assert.deepEqual(suite.receiver.requests[1].json, { to: '+821000000000', text: 'Your cart is waiting for you.' });
  });

  it('an ended journey shows JourneyState "ended", whether it completed or was cancelled', async function () {
    const definition = campaign({
      id: uniqueId('state'),
      name: 'State',
      trigger: { event: 'signup' },
      steps: [webhook('hello')],
    });
    const waiting = campaign({
      ...definition,
      id: uniqueId('state'),
      steps: [{ id: 'wait', type: 'delay', duration: '7d' }],
    });
    const states = await suite.ts.run(async () => {
      const done = await suite.ts.startJourney(definition, uniqueId('user'));
      await done.result();
      const cancelled = await suite.ts.startJourney(waiting, uniqueId('user'));
      await suite.ts.env.sleep('1d');
      const whileWaiting = (await cancelled.describe()).typedSearchAttributes.get(JOURNEY_STATE);
      await cancelled.cancel();
      await assert.rejects(cancelled.result());
      const state = async (handle: typeof done) => (await handle.describe()).typedSearchAttributes.get(JOURNEY_STATE);
      return { completed: await state(done), whileWaiting, cancelled: await state(cancelled) };
    });
    assert.deepEqual(states, { completed: 'ended', whileWaiting: 'waiting', cancelled: 'ended' });
  });

  it('a journey shows its first step from its start, and asks Temporal for one search-attribute change (its end) and no patch', async function () {
    const definition = campaign({
      id: uniqueId('shown'),
      name: 'Shown',
      trigger: { event: 'signup' },
      steps: [webhook('hello')],
    });
    const history = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, uniqueId('user'));
      const atStart = (await handle.describe()).typedSearchAttributes;
      await handle.result();
      return { atStart, events: (await handle.fetchHistory()).events ?? [] };
    });
    assert.equal(history.atStart.get(JOURNEY_STATE), 'running');
    assert.equal(history.atStart.get(JOURNEY_STEP), 'hello');
    const upserts = history.events.flatMap((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      return fields ? [Object.keys(fields)] : [];
    });
    assert.deepEqual(upserts, [['JourneyState']]);
    const markers = history.events.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
    assert.ok(!markers.includes('core_patch'), `no patch marker, got ${markers.join(', ')}`);
    assert.equal(suite.receiver.requests.length, 1);
  });

  it('a journey refused at entry shows JourneyState "ended" on no step', async function () {
    const definition = campaign({
      id: uniqueId('refused'),
      name: 'Refused',
      trigger: { event: 'signup' },
      audience: { field: 'user.properties.never', op: 'eq', value: true },
      steps: [webhook('hello')],
    });
    const shown = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, uniqueId('user'));
      assert.equal((await handle.result()).outcome, 'notInAudience');
      return (await handle.describe()).typedSearchAttributes;
    });
    assert.equal(shown.get(JOURNEY_STATE), 'ended');
    assert.equal(shown.get(JOURNEY_STEP), undefined);
    assert.equal(suite.receiver.requests.length, 0);
  });
});
