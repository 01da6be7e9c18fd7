// `hookway campaigns …`: read and move campaigns through the gateway's API.
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { formatTime, printFields, printJson, printLine, printTable } from '../output';
import { registerCampaignCancel } from './campaign-cancel';
import { registerCampaignFiles } from './campaign-files';
import { registerCampaignTrigger } from './campaign-trigger';
import type { CampaignDetail, CampaignView } from './campaign-types';

const MOVES = {
  activate: 'start new journeys for matching events',
  pause: 'stop new journeys; running ones hold before their next webhook',
  resume: 'go on after a pause; held journeys continue',
  archive: 'retire the campaign and cancel its running journeys',
} as const;

function showCampaign(campaign: CampaignDetail): void {
  printFields([
    ['id', campaign.id],
    ['name', campaign.name],
    ['status', campaign.status],
    ['version', campaign.version],
    ['trigger', campaign.definition.trigger.event],
    ['steps', campaign.definition.steps.map((s) => `${s.id} (${s.type})`).join(', ')],
    ['created', formatTime(campaign.createdAt)],
    ['activated', formatTime(campaign.activatedAt)],
    ['updated', formatTime(campaign.updatedAt)],
  ]);
  printLine();
  printTable(
    ['VERSION', 'CREATED', 'RUNNING JOURNEYS'],
    campaign.versions.map((v) => [
      `${v.version}${v.current ? ' (current)' : ''}`,
      formatTime(v.createdAt),
      v.runningJourneys,
    ]),
  );
}

export function registerCampaigns(program: Command): void {
  const campaigns = program
    .command('campaigns')
    .description('list, show, create, update and move campaigns through their lifecycle');

  jsonOption(campaigns.command('list').description('list every campaign with its status and version')).action(
    withContext(async (ctx) => {
      const { campaigns: list } = await ctx.gateway().get<{ campaigns: CampaignView[] }>('/v1/campaigns');
      if (ctx.json) return printJson({ campaigns: list });
      printTable(
        ['ID', 'STATUS', 'VERSION', 'TRIGGER', 'UPDATED', 'NAME'],
        list.map((c) => [c.id, c.status, c.version, c.definition.trigger.event, formatTime(c.updatedAt), c.name]),
        'no campaigns',
      );
    }),
  );

  jsonOption(
    campaigns
      .command('show')
      .description('show a campaign, its versions and the journeys running on each')
      .argument('<id>', 'campaign id'),
  ).action(
    withContext(async (ctx, _opts, id) => {
      const campaign = await ctx.gateway().get<CampaignDetail>(`/v1/campaigns/${encodeURIComponent(id)}`);
      if (ctx.json) return printJson(campaign);
      showCampaign(campaign);
    }),
  );

  registerCampaignFiles(campaigns);

  for (const [move, description] of Object.entries(MOVES)) {
    jsonOption(campaigns.command(move).description(description).argument('<id>', 'campaign id')).action(
      withContext(async (ctx, _opts, id) => {
        const moved = await ctx
          .gateway()
          .post<CampaignView & { cancelledJourneys?: number; resumedJourneys?: number }>(
            `/v1/campaigns/${encodeURIComponent(id)}/${move}`,
          );
        if (ctx.json) return printJson(moved);
        const journeys =
          moved.cancelledJourneys !== undefined
            ? `; cancelled ${moved.cancelledJourneys} running journeys`
            : moved.resumedJourneys !== undefined
              ? `; resumed ${moved.resumedJourneys} held journeys`
              : '';
        printLine(`campaign ${moved.id} is ${moved.status} (version ${moved.version})${journeys}`);
      }),
    );
  }

  registerCampaignCancel(campaigns);
  registerCampaignTrigger(campaigns);
}
