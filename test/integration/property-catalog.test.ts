// The listings of what the stored data holds (the studio's template variables, the zones a
// local-time fan-out groups users by), against the real FerretDB: each is one read by _id,
// however many profiles and events are stored, where a `distinct` or a sorted scan read all.
import assert from 'node:assert/strict';
import { connectRepositories, type Repositories } from '../../src/db/connection';
import type { EventRecord } from '../../src/db/events';
import { watchedRepositories } from '../support/commands';
import { mongoUriFor, uniqueId } from '../support/stack';

describe('listings of property names and time zones (real FerretDB)', function () {
  let repositories: Repositories;
  let pointCommands: Awaited<ReturnType<typeof watchedRepositories>>['pointCommands'];

  before(async function () {
    ({ repositories, pointCommands } = await watchedRepositories(uniqueId('catalog')));
  });

  after(async function () {
    await repositories?.connection.close();
  });

  it('lists the property names profiles hold and the valid zones a property holds, one read each', async function () {
    const seenAt = new Date();
    await repositories.profiles.merge([
      { userId: 'ann', properties: { timeZone: 'Asia/Seoul', tier: 'gold' }, seenAt },
      { userId: 'bob', properties: { timeZone: 'America/New_York', 'home zone': 'Europe/Paris' }, seenAt },
      { userId: 'cy', properties: { timeZone: 'Mars/Olympus', plan: 'UTC' }, seenAt },
    ]);
    await repositories.profiles.merge([{ userId: 'ann', properties: { timeZone: 'Europe/Paris' }, seenAt }]);
    const zones = await pointCommands(() => repositories.profiles.timeZonesIn('timeZone'));
    assert.deepEqual(zones.result, ['America/New_York', 'Asia/Seoul', 'Europe/Paris']);
    assert.equal(zones.commands, 1);
    const names = await pointCommands(() => repositories.profiles.propertyNames());
    assert.deepEqual(names.result, ['home zone', 'plan', 'tier', 'timeZone']);
    assert.equal(names.commands, 1);
    assert.deepEqual(await repositories.profiles.timeZonesIn('plan'), ['UTC']);
    assert.deepEqual(await repositories.profiles.timeZonesIn('tier'), []);
  });

  it("lists the property names each event name's events carry, one read", async function () {
    const at = new Date();
    const event = (name: string, properties: Record<string, unknown>): EventRecord => ({
      _id: uniqueId('event'),
      userId: 'ann',
      name,
      properties,
      timestamp: at,
      receivedAt: at,
    });
    const stored = await repositories.events.insertNew([
      event('cart_left', { item: 'x', price: 3 }),
      event('cart_left', { coupon: 'y' }),
      event('signed_up', { plan: 'pro' }),
    ]);
    await stored.fold();
    const listed = await pointCommands(() => repositories.events.propertyNames('cart_left'));
    assert.deepEqual(listed.result, ['coupon', 'item', 'price']);
    assert.equal(listed.commands, 1);
    assert.deepEqual(await repositories.events.propertyNames('signed_up'), ['plan']);
    assert.deepEqual(await repositories.events.propertyNames('never_sent'), []);
  });

  it('lists the profiles stored before the listings existed, noted once on start', async function () {
    const database = uniqueId('catalog-upgrade');
    const before = await connectRepositories(mongoUriFor(database));
    const at = new Date();
    await before.connection.collection('profiles').insertOne({
      _id: 'old' as never,
      properties: { timeZone: 'Africa/Cairo', 'a~2Eb': 1 },
      firstSeen: at,
      lastSeen: at,
    });
    // A database from before the listings: its profiles were never noted.
    await before.connection.collection('property_catalog').deleteMany({});
    await before.connection.close();
    const after = await connectRepositories(mongoUriFor(database));
    try {
      assert.deepEqual(await after.profiles.timeZonesIn('timeZone'), ['Africa/Cairo']);
      assert.deepEqual(await after.profiles.propertyNames(), ['a.b', 'timeZone']);
    } finally {
      await after.connection.close();
    }
  });
});
