import assert from 'node:assert/strict';
import { applicableCaps, capVerdict, type CountedSend } from '../../src/domain/caps';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const send = (campaignId: string, hoursAgo: number, tags: string[] = []): CountedSend => ({
  campaignId,
  tags,
  at: NOW - hoursAgo * HOUR,
});

describe('frequency caps', () => {
  it('applies global caps, tag-scoped ones only to campaigns carrying the tag, and the campaign’s own', () => {
    const global = [
      { max: 3, window: '24h' },
      { max: 1, window: '24h', tag: 'channel:sms' },
    ];
    assert.deepEqual(
      applicableCaps(global, { id: 'promo' }).map((c) => c.label),
      ['global: 3 per 24h'],
    );
    const sms = applicableCaps(global, { id: 'promo', tags: ['channel:sms'], caps: [{ max: 2, window: '7d' }] });
    assert.deepEqual(
      sms.map((c) => c.label),
      ['global: 3 per 24h', 'global: 1 per 24h (channel:sms)', 'campaign promo: 2 per 7d'],
    );
    assert.equal(sms[2].campaignId, 'promo', "a campaign's untagged cap counts its own sends");
  });

  it('a cap of 1 per 24h refuses a second send until the first leaves the window', () => {
    const caps = applicableCaps([{ max: 1, window: '24h' }], { id: 'b' });
    assert.deepEqual(capVerdict(caps, [], NOW), { granted: true });
    assert.deepEqual(capVerdict(caps, [send('a', 2)], NOW), {
      granted: false,
      cap: 'global: 1 per 24h',
      freesAt: NOW + 22 * HOUR,
    });
    assert.deepEqual(
      capVerdict(caps, [send('a', 24)], NOW),
      { granted: true },
      'a send exactly one window old has left it',
    );
  });

  it('with 3 per 24h and 4 sends counted, a slot frees when the two oldest have left', () => {
    const caps = applicableCaps([{ max: 3, window: '24h' }], { id: 'b' });
    const verdict = capVerdict(caps, [send('a', 1), send('a', 20), send('a', 5), send('a', 10)], NOW);
    assert.deepEqual(verdict, { granted: false, cap: 'global: 3 per 24h', freesAt: NOW + 14 * HOUR });
  });

  it('all caps hold together; the one freeing last is reported', () => {
    const caps = applicableCaps(
      [
        { max: 5, window: '24h' },
        { max: 1, window: '1h', tag: 'channel:sms' },
      ],
      { id: 'b', tags: ['channel:sms'], caps: [{ max: 1, window: '7d' }] },
    );
    assert.deepEqual(capVerdict(caps, [send('a', 0.5, ['channel:sms']), send('b', 48)], NOW), {
      granted: false,
      cap: 'campaign b: 1 per 7d',
      freesAt: NOW + 120 * HOUR,
    });
    assert.deepEqual(
      capVerdict(caps, [send('a', 0.5, ['channel:push'])], NOW),
      { granted: true },
      'sends without the tag are not counted by the tag cap',
    );
  });
});
