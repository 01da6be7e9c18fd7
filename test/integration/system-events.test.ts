// A hookway.* event is always stored, but goes through the outbox to be matched only when some
// live campaign reacts to it; a campaign activated a moment ago hears the very next one.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GROUP_PATIENCE_MS, SystemEventWriter } from '../../activities/system-events';
import type { Repositories } from '../../src/db/connection';
import { SYSTEM_EVENT } from '../../src/domain/system-events';
import { watchedRepositories } from '../support/commands';
import { testRepositories, uniqueId } from '../support/stack';
import { storeCampaign } from '../support/campaigns';

describe('system events', function () {
  const database = uniqueId('system-events');
  let repositories: Repositories;
  let writer: SystemEventWriter;

  before(async function () {
    repositories = await testRepositories(database);
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
  /** A draft campaign of one delay that the event triggers. */
  const createCampaign = (trigger: string) =>
    storeCampaign(repositories.campaigns, { trigger: { event: trigger } }, 'draft');
  const waitingForMatch = async (id: string) =>
    (await repositories.events.findPendingMatch(1_000)).some((e) => e._id === id);

  it('are stored for every journey, queued for matching only once a live campaign listens, and stored once per id', async function () {
    const unheard = exited(uniqueId('user'));
    assert.equal(await writer.write(unheard), true);
    assert.equal((await repositories.events.recentForUser(unheard.userId, 10)).length, 1, 'stored for the user');
    assert.equal(await waitingForMatch(unheard._id), false, 'nobody listens: nothing to match');

    const followUp = await createCampaign(SYSTEM_EVENT.journeyExited);
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

  it('concurrent writers share live-revision reads, yet each sees a campaign changed before its call', async function () {
    const watched = await watchedRepositories(database);
    const campaign = await createCampaign('signed_up');
    await repositories.campaigns.transition(campaign.id, ['draft'], 'active');
    const calls: Array<{ changed: number; seen: Promise<number> }> = [];
    const { commands } = await watched.pointCommands(async () => {
      // Five changes, each followed at once by four reads while earlier reads may be in flight.
      for (let round = 0; round < 5; round++) {
        const [from, to] = round % 2 === 0 ? (['active', 'paused'] as const) : (['paused', 'active'] as const);
        assert.ok(await repositories.campaigns.transition(campaign.id, [from], to));
        const changed = await repositories.campaigns.liveRevision();
        for (let i = 0; i < 4; i++) calls.push({ changed, seen: watched.repositories.campaigns.liveRevision() });
      }
      await Promise.all(calls.map((c) => c.seen));
    });
    for (const { changed, seen } of calls) assert.ok((await seen) >= changed, 'a change before the call is seen');
    assert.ok(commands <= 10, `20 concurrent reads sent ${commands} commands`);
    await watched.repositories.connection.close();
  });

  it("announced at once by many journeys are written together, each still stored once and in its user's history", async function () {
    const watched = await watchedRepositories(database);
    const together = new SystemEventWriter({
      campaigns: watched.repositories.campaigns,
      events: watched.repositories.events,
    });
    // Its first write reads the live campaigns (by status, not by _id).
    await together.write(exited(uniqueId('user')));
    const events = Array.from({ length: 20 }, () => exited(uniqueId('user')));
    const first = await watched.pointCommands(() => Promise.all(events.map((e) => together.write(e))));
    assert.deepEqual(
      first.result,
      events.map(() => true),
      'each event is new',
    );
    const count = (name: string) => first.sent.filter((c) => c === name).length;
    assert.equal(count('insert events'), 1, `20 events took ${count('insert events')} inserts`);
    assert.ok(count('find campaign_revisions') <= 1, `${count('find campaign_revisions')} live-revision reads`);
    for (const e of events)
      assert.deepEqual(
        (await repositories.events.recentForUser(e.userId, 10)).map((h) => h.id),
        [e._id],
        "in its user's history once written",
      );
    const retried = await Promise.all(events.map((e) => together.write(e)));
    assert.deepEqual(
      retried,
      events.map(() => false),
      'retried writes store nothing new',
    );
    await watched.repositories.connection.close();
  });

  it("announced after a send wait for the next entry's write, and are written alone when none comes", async function () {
    const watched = await watchedRepositories(database);
    const patient = new SystemEventWriter({
      campaigns: watched.repositories.campaigns,
      events: watched.repositories.events,
    });
    await patient.write(exited(uniqueId('user')));
    const ended = exited(uniqueId('user'));
    const entered = { ...exited(uniqueId('user')), name: SYSTEM_EVENT.journeyEntered };
    const together = await watched.pointCommands(async () => {
      const endWritten = patient.write(ended, 'afterSend');
      // Announced well after the end, yet due before it: the end rides along with the entry.
      await sleep(2 * GROUP_PATIENCE_MS.beforeSend);
      return Promise.all([endWritten, patient.write(entered)]);
    });
    assert.deepEqual(together.result, [true, true], 'both are new');
    assert.equal(together.sent.filter((c) => c === 'insert events').length, 1, 'one insert for both');
    const alone = exited(uniqueId('user'));
    assert.equal(await patient.write(alone, 'afterSend'), true, 'written with nothing else announced');
    assert.deepEqual(
      (await repositories.events.recentForUser(alone.userId, 10)).map((h) => h.id),
      [alone._id],
      "in its user's history once written",
    );
    await watched.repositories.connection.close();
  });
});
