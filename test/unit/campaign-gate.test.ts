import assert from 'node:assert/strict';
import { CAMPAIGN_STATUSES, campaignGate } from '../../src/domain/campaign-gate';

describe('campaign gate', function () {
  it('only an active campaign starts journeys; a paused one still reaches them, holds them and waits its fan-outs', function () {
    assert.deepEqual(
      CAMPAIGN_STATUSES.filter((s) => campaignGate(s).start),
      ['active'],
    );
    assert.deepEqual(campaignGate('paused'), {
      start: false,
      signal: true,
      fanOut: 'wait',
      schedule: 'pause',
      journey: 'hold',
    });
  });

  it('an archived campaign reaches nothing, stops its fan-outs and ends its journeys before their next webhook', function () {
    assert.deepEqual(campaignGate('archived'), {
      start: false,
      signal: false,
      fanOut: 'stop',
      schedule: 'delete',
      journey: 'end',
    });
  });

  it('a campaign that cannot be found starts nothing and leaves running journeys as they are', function () {
    assert.deepEqual(campaignGate(undefined), {
      start: false,
      signal: false,
      fanOut: 'stop',
      schedule: 'none',
      journey: 'send',
    });
  });
});
