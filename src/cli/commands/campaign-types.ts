// The shapes the gateway's campaign routes answer with (src/gateway/routes/campaigns.ts).

export interface CampaignView {
  id: string;
  name: string;
  status: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  activatedAt?: string;
  definition: { trigger: { event: string }; steps: Array<{ id: string; type: string }> };
}

export interface CampaignVersionView {
  version: number;
  createdAt: string;
  current: boolean;
  runningJourneys: number;
}

export type CampaignDetail = CampaignView & { versions: CampaignVersionView[] };
