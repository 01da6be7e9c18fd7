// The send check that also stores the delivery (checkSendAndPrepare), against the real
// FerretDB: the user's profile is read only when the template or a local-time rule needs it,
// and then once for both.
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import type { SendStepInput } from '../../activities/send-step';
import type { Repositories } from '../../src/db/connection';
import { AddressPolicy } from '../../src/delivery/address-guard';
import { WebhookSender } from '../../src/delivery/sender';
import type { Campaign } from '../../src/domain/campaign';
import { enterJourney } from '../../src/temporal/journeys';
import { watchedRepositories } from '../support/commands';
import { logger, TEST_NETWORK, uniqueId } from '../support/stack';
import { event } from '../support/time-skipping';
import { storeCampaign } from '../support/campaigns';

describe('the send check that stores the delivery (real FerretDB)', function () {
  let repositories: Repositories;
  let activities: ReturnType<typeof createActivities>;
  /** Reads of the profiles collection since the last reset. */
  let profileReads = 0;

  before(async function () {
    ({ repositories } = await watchedRepositories(uniqueId('sendstep')));
    repositories.connection.getClient().on('commandStarted', (e) => {
      if (e.commandName === 'find' && e.command.find === 'profiles') profileReads += 1;
    });
    activities = createActivities({
      repositories,
      sender: new WebhookSender(new AddressPolicy(TEST_NETWORK)),
      webhookTimeoutMs: 5_000,
      logger,
      enterJourney,
    });
  });

  after(async function () {
    await repositories?.connection.close();
  });

  async function activeCampaign(body: Record<string, string>, extra: object = {}): Promise<Campaign> {
    return storeCampaign(repositories.campaigns, {
      trigger: { event: 'ordered' },
      steps: [{ id: 'hook', type: 'webhook', request: { url: 'https://example.com/hook', body } }],
      ...extra,
    });
  }

  /** Runs the check for a new user with this phone number; the stored delivery's body and the profile reads it made. */
  async function check(campaign: Campaign) {
    const userId = uniqueId('user');
    await repositories.profiles.merge([{ userId, properties: { phone: '+8210' }, seenAt: new Date() }]);
    const step = campaign.steps[0] as Extract<Campaign['steps'][number], { type: 'webhook' }>;
    const journeyId = uniqueId('journey');
    const key = { _id: uniqueId('msg'), journeyId, campaignId: campaign.id, userId, stepId: step.id };
    const { id, timeZone, caps, tags, quietHours, sendWindow } = campaign;
    const input: SendStepInput = {
      journeyId,
      userId,
      rules: { id, timeZone, caps, tags, quietHours, sendWindow },
      at: Date.now(),
      key: key._id,
      capExempt: false,
      delivery: {
        journeyId,
        userId,
        campaign: { id, name: campaign.name },
        trigger: event(userId, 'ordered', { sku: 'A-1' }),
        key,
        request: step.request,
        campaignVersion: 1,
      },
    };
    profileReads = 0;
    const result = await activities.checkSendAndPrepare(input);
    const reads = profileReads;
    const stored = await repositories.deliveries.get(key._id);
    return { result, reads, body: JSON.parse(stored?.request?.body ?? 'null') };
  }

  it('a webhook built from the event alone, with no quiet hours or send window, reads no profile', async function () {
    const { result, reads, body } = await check(await activeCampaign({ sku: '{{event.properties.sku}}' }));
    assert.equal(result.prepared, 'stored');
    assert.deepEqual(body, { sku: 'A-1' });
    assert.equal(reads, 0);
  });

  it("a template that reads the profile reads it once, also when a send window needs the user's zone", async function () {
    const everyDay = { weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };
    const { result, reads, body } = await check(
      await activeCampaign({ to: '{{user.properties.phone}}' }, { sendWindow: everyDay }),
    );
    assert.equal(result.prepared, 'stored');
    assert.equal(result.plan?.zone, 'UTC');
    assert.deepEqual(body, { to: '+8210' });
    assert.equal(reads, 1);
  });
});
