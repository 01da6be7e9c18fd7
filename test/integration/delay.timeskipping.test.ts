// Long waits on Temporal's time-skipping server: a 7-day delay passes in seconds.
import assert from 'node:assert/strict';
import { uniqueId } from '../support/stack';
import { campaign, timeSkippingSuite } from '../support/time-skipping';

const DAY_MS = 86_400_000;

describe('a journey with a 7-day delay (time-skipping server)', function () {
  const suite = timeSkippingSuite();

  it('waits seven days of workflow time, then sends the webhook with the current profile', async function () {
    const userId = uniqueId('user');
    const definition = campaign({
      id: uniqueId('winback'),
      name: 'Win back',
      trigger: { event: 'signed_up' },
      steps: [
        { id: 'wait', type: 'delay', duration: '7d' },
        {
          id: 'push',
          type: 'webhook',
          request: {
            url: `${suite.receiver.url}/push`,
            body: { user: '{{user.id}}', tier: '{{user.properties.tier}}' },
          },
        },
      ],
    });
    await suite.ts.repositories.profiles.merge([{ userId, properties: { tier: 'gold' }, seenAt: new Date() }]);

    const startedAt = await suite.ts.env.currentTimeMs();
    const wallStart = Date.now();
    const result = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.ts.env.sleep('6d');
      assert.equal(suite.receiver.requests.length, 0, 'nothing is sent during the delay');
      return handle.result();
    });

    assert.equal(result.outcome, 'completed');
    assert.ok((await suite.ts.env.currentTimeMs()) - startedAt >= 7 * DAY_MS, 'seven days passed in workflow time');
    assert.ok(Date.now() - wallStart < 60_000, 'but not on the wall clock');
    assert.equal(suite.receiver.requests.length, 1);
    assert.deepEqual(suite.receiver.requests[0].json, { user: userId, tier: 'gold' });
  });
});
