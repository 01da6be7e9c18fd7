import assert from 'node:assert/strict';
import type { Condition } from '../../src/domain/condition';
import { localTimePhases } from '../../src/domain/local-time-phases';

describe('localTimePhases', () => {
  const audience: Condition = { field: 'user.properties.plan', op: 'eq', value: 'gold' };
  // Monday 10:00 in Kiritimati (UTC+14), the earliest zone, where a localTime schedule fires.
  const firedAt = Date.parse('2026-11-29T20:00:00Z');

  it('waits for Monday 10:00 in each zone in use, earliest first, the default zone taking the users without a valid one', () => {
    const phases = localTimePhases(firedAt, audience, { property: 'timeZone', defaultZone: 'UTC' }, [
      'America/New_York',
      'Asia/Seoul',
    ]);
    assert.deepEqual(
      phases.map((p) => [p.label, new Date(p.at).toISOString()]),
      [
        ['Asia/Seoul', '2026-11-30T01:00:00.000Z'],
        ['UTC', '2026-11-30T10:00:00.000Z'],
        ['America/New_York', '2026-11-30T15:00:00.000Z'],
      ],
    );
    assert.deepEqual(phases[0].audience, {
      all: [audience, { field: 'user.properties.timeZone', op: 'eq', value: 'Asia/Seoul' }],
    });
    assert.deepEqual(phases[1].audience, {
      all: [
        audience,
        { not: { field: 'user.properties.timeZone', op: 'in', value: ['America/New_York', 'Asia/Seoul'] } },
      ],
    });
  });

  it('keeps the local time across a DST change', () => {
    // Monday 2027-03-15 10:00 in Kiritimati; New York is on daylight time (UTC-4) by then.
    const phases = localTimePhases(
      Date.parse('2027-03-14T20:00:00Z'),
      audience,
      { property: 'tz', defaultZone: 'America/New_York' },
      ['America/New_York'],
    );
    assert.deepEqual(
      phases.map((p) => new Date(p.at).toISOString()),
      ['2027-03-15T14:00:00.000Z'],
    );
    assert.deepEqual(phases[0].audience, audience);
  });
});
