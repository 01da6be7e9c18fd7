import assert from 'node:assert/strict';
import { campaignSchema } from '../../src/domain/campaign';
import { settingsSchema } from '../../src/domain/settings';

const base = {
  id: 'night-promo',
  name: 'Night promo',
  trigger: { event: 'price_dropped' },
  steps: [{ id: 'sms', type: 'webhook', request: { url: 'https://sms.example.com/send' } }],
};

function issues(schema: typeof campaignSchema | typeof settingsSchema, input: unknown): string[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, 'expected a refusal');
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('fatigue schemas', () => {
  it('accepts caps, tags, onCapped, exemption, quiet hours and a send window', () => {
    const parsed = campaignSchema.parse({
      ...base,
      caps: [
        { max: 2, window: '7d' },
        { max: 1, window: '24h', tag: 'channel:sms' },
      ],
      tags: ['channel:sms'],
      onCapped: 'wait',
      quietHours: { start: '21:00', end: '08:00' },
      sendWindow: { weekdays: ['mon', 'fri'], start: '09:00', end: '20:00' },
    });
    assert.equal(parsed.onCapped, 'wait');
    assert.deepEqual(parsed.timeZone, { property: 'timeZone' }, 'no campaign default: the global default applies');
  });

  it('names the field and the problem of each mistake', () => {
    const cases: Array<[object, RegExp]> = [
      [{ caps: [{ max: 1, window: '31d' }] }, /^caps\.0\.window: must be a duration from 1m to 30d/],
      [{ caps: [{ max: 1, window: '30s' }] }, /^caps\.0\.window: must be a duration from 1m to 30d/],
      [{ caps: [{ max: 0, window: '1h' }] }, /^caps\.0\.max: /],
      [{ caps: [{ max: 1.5, window: '1h' }] }, /^caps\.0\.max: must be a whole number/],
      [
        { caps: [{ max: 1, window: '1h', tag: 'channel:sms' }] },
        /^caps\.0\.tag: the campaign does not carry the tag "channel:sms"/,
      ],
      [{ capExempt: true, caps: [{ max: 1, window: '1h' }] }, /^capExempt: an exempt campaign ignores caps/],
      [{ onCapped: 'drop' }, /^onCapped: /],
      [{ tags: ['has space'] }, /^tags\.0: must be 1–64 letters/],
      [{ quietHours: { start: '21:00', end: '21:00' } }, /^quietHours\.end: must differ from start/],
      [{ quietHours: { start: '9pm', end: '08:00' } }, /^quietHours\.start: must be a local time of day/],
      [{ sendWindow: { start: '20:00', end: '09:00' } }, /^sendWindow\.end: must be later than start/],
      [{ sendWindow: { start: '09:00' } }, /^sendWindow: give both start and end/],
      [{ sendWindow: { weekdays: ['monday'] } }, /^sendWindow\.weekdays\.0: /],
      [{ sendWindow: {} }, /^sendWindow: give weekdays, hours/],
    ];
    for (const [change, expected] of cases) {
      const found = issues(campaignSchema, { ...base, ...change });
      assert.ok(
        found.some((i) => expected.test(i)),
        `${JSON.stringify(change)} → ${JSON.stringify(found)}`,
      );
    }
  });

  it('global settings: defaults, and clear errors', () => {
    assert.deepEqual(settingsSchema.parse({}), { caps: [], timeZone: 'UTC' });
    assert.ok(
      issues(settingsSchema, { timeZone: 'Mars/Olympus' }).some((i) => /^timeZone: must be an IANA time zone/.test(i)),
    );
    assert.ok(issues(settingsSchema, { caps: [{ max: 1 }] }).some((i) => /^caps\.0\.window: /.test(i)));
    assert.ok(issues(settingsSchema, { quietHour: {} }).some((i) => /quietHour/.test(i)));
  });
});
