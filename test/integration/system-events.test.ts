// A hookway.* event is always stored, but goes through the outbox to be matched only when some
// live campaign reacts to it; a campaign activated a moment ago hears the very next one.
import assert from 'node:assert/strict';
import { SystemEventWriter } from '../../activities/system-events';
import type { Repositories } from '../../src/db/connection';
import { campaignSchema } from '../../src/domain/campaign';
import { SYSTEM_EVENT } from '../../src/domain/system-events';
import { testRepositories, uniqueId } from '../support/stack';

describe('system events', function () {
  let repositories: Repositories;
  let writer: SystemEventWriter;

  before(async function () {
    repositories = await testRepositories(uniqueId('system-events'));
    writer = new SystemEventWriter({ campaigns: repositories.campaigns, events: repositories.events });
  });

  after(async function () {
    await repositories?.connection.close();
  });

  const exited = (userId: string) => ({
    _id: uniqueId('sys'),
    userId,
    name: SYSTEM_EVENT.journeyExited,
    properties: { campaignId: 'onboarding', outcome: 'completed' },
    timestamp: new Date(),
    depth: 1,
  });
  const waitingForMatch = async (id: string) =>
    (await repositories.events.findPendingMatch(1_000)).some((e) => e._id === id);

  it('are stored for every journey, queued for matching only once a live campaign listens, and stored once per id', async function () {
    const unheard = exited(uniqueId('user'));
    assert.equal(await writer.write(unheard), true);
    assert.equal((await repositories.events.recentForUser(unheard.userId, 10)).length, 1, 'stored for the user');
    assert.equal(await waitingForMatch(unheard._id), false, 'nobody listens: nothing to match');

    const followUp = campaignSchema.parse({
      id: uniqueId('follow-up'),
      name: 'After onboarding',
      trigger: { event: SYSTEM_EVENT.journeyExited },
      steps: [{ id: 'wait', type: 'delay', duration: '1d' }],
    });
    await repositories.campaigns.create(followUp);
    const heard = exited(uniqueId('user'));
    assert.equal(await writer.write(heard), true);
    assert.equal(await waitingForMatch(heard._id), false, 'a draft campaign hears nothing');

    await repositories.campaigns.transition(followUp.id, ['draft'], 'active');
    const next = exited(uniqueId('user'));
    assert.equal(await writer.write(next), true);
    assert.equal(await waitingForMatch(next._id), true, 'the campaign activated just before hears it');
    assert.equal(await writer.write(next), false, 'a retried write stores nothing new');

    await repositories.campaigns.transition(followUp.id, ['active'], 'archived');
    const afterArchive = exited(uniqueId('user'));
    await writer.write(afterArchive);
    assert.equal(await waitingForMatch(afterArchive._id), false, 'an archived campaign hears nothing');
  });
});
