// Global fatigue settings through the admin API: a round trip, and bad input refused with a
// 400 naming the field, changing nothing.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { api, startTestGateway, uniqueId } from '../support/stack';

describe('GET/PUT /v1/settings', function () {
  let gateway: RunningGateway;

  before(async function () {
    gateway = await startTestGateway(uniqueId('settings'));
  });

  after(async function () {
    await gateway.close();
  });

  it('answers the defaults before anything is saved, then what was saved', async function () {
    assert.deepEqual((await api(gateway, 'GET', '/v1/settings')).body, { caps: [], timeZone: 'UTC' });
    const settings = {
      caps: [
        { max: 3, window: '24h' },
        { max: 1, window: '7d', tag: 'channel:sms' },
      ],
      quietHours: { start: '21:00', end: '08:00' },
      timeZone: 'Asia/Seoul',
    };
    const saved = await api(gateway, 'PUT', '/v1/settings', settings);
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body, settings);
    assert.deepEqual((await api(gateway, 'GET', '/v1/settings')).body, settings);
  });

  const invalid: Array<[string, unknown, string, RegExp]> = [
    ['a cap window over 30 days', { caps: [{ max: 1, window: '60d' }] }, 'caps.0.window', /from 1m to 30d/],
    ['a cap without max', { caps: [{ window: '1h' }] }, 'caps.0.max', /./],
    [
      'quiet hours that end when they start',
      { quietHours: { start: '21:00', end: '21:00' } },
      'quietHours.end',
      /must differ/,
    ],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone', /IANA time zone/],
    ['an unknown field', { quietHour: { start: '21:00', end: '08:00' } }, '(root)', /quietHour/],
  ];
  for (const [what, body, path, message] of invalid) {
    it(`answers 400 naming ${path} for ${what}, and keeps the saved settings`, async function () {
      const before = (await api(gateway, 'GET', '/v1/settings')).body;
      const response = await api(gateway, 'PUT', '/v1/settings', body);
      assert.equal(response.status, 400);
      const issue = response.body.error.issues.find((i: { path: string }) => i.path === path);
      assert.ok(issue, `expected an issue at ${path}, got ${JSON.stringify(response.body.error.issues)}`);
      assert.match(issue.message, message);
      assert.deepEqual((await api(gateway, 'GET', '/v1/settings')).body, before);
    });
  }

  it('refuses a body that is not JSON with 415', async function () {
    const response = await api(gateway, 'PUT', '/v1/settings', 'caps=1', { 'content-type': 'text/plain' });
    assert.equal(response.status, 415);
  });
});
