// The campaign most integration tests need: stored and active, triggered by one event, its
// steps those a test names or else one day's wait (a journey that stays running).
import type { CampaignRepository } from '../../src/db/campaigns';
import { campaignSchema, type Campaign } from '../../src/domain/campaign';
import { uniqueId } from './stack';

export async function storeCampaign(
  campaigns: CampaignRepository,
  definition: { trigger: { event: string } } & Record<string, unknown>,
  status: 'active' | 'draft' = 'active',
): Promise<Campaign> {
  const id = uniqueId('campaign');
  const campaign = campaignSchema.parse({
    id,
    name: `Campaign ${id}`,
    steps: [{ id: 'wait', type: 'delay', duration: '1d' }],
    ...definition,
  });
  await campaigns.create(campaign);
  if (status === 'active') await campaigns.transition(campaign.id, ['draft'], 'active');
  return campaign;
}
