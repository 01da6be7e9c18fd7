// For the tests of payload encryption: a journey whose history holds personal data, and what a
// reader of a history's JSON sees.
import assert from 'node:assert/strict';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { api, uniqueId } from './stack';

/** Everything a reader of a history's JSON can see: the text, and every base64 `data` field decoded. */
export function readable(json: string): string {
  const decoded = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]*)"/g)].map((m) =>
    Buffer.from(m[1], 'base64').toString('latin1'),
  );
  return [json, ...decoded].join('\n');
}

/** Saves and activates a campaign sending the event's phone number to `hookUrl`, and posts one event with a phone number. */
export async function startPhoneJourney(gateway: { url: string }, hookUrl: string, campaignName = 'Codec') {
  const campaignId = uniqueId('codec');
  const saved = await api(gateway, 'POST', '/v1/campaigns', {
    id: campaignId,
    name: campaignName,
    trigger: { event: 'signed_up' },
    steps: [{ id: 'send', type: 'webhook', request: { url: hookUrl, body: { phone: '{{event.properties.phone}}' } } }],
  });
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
  const userId = uniqueId('user');
  const phone = `+82-${uniqueId('phone')}`;
  const event = { userId, name: 'signed_up', properties: { phone }, userProperties: { phone } };
  const sent = await api(gateway, 'POST', '/v1/events', event);
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  return { workflowId: journeyWorkflowId(campaignId, userId), phone };
}
