// `hookway fanouts …`: follow and stop fan-outs (API triggers, entity events, schedules).
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { formatTime, printJson, printLine, printTable } from '../output';
import { printFanOut, type FanOutView } from './fan-out-view';

const path = (id: string) => `/v1/fanouts/${encodeURIComponent(id)}`;

export function registerFanOuts(program: Command): void {
  const fanOuts = program
    .command('fanouts')
    .description('follow and cancel fan-outs: many users entering a campaign at once');

  jsonOption(
    fanOuts
      .command('list')
      .description("list a campaign's fan-outs, newest first")
      .argument('<campaign>', 'campaign id'),
  ).action(
    withContext(async (ctx, _opts, campaignId) => {
      const { fanOuts: list } = await ctx
        .gateway()
        .get<{ fanOuts: FanOutView[] }>(`/v1/campaigns/${encodeURIComponent(campaignId)}/fanouts`);
      if (ctx.json) return printJson({ fanOuts: list });
      printTable(
        ['ID', 'STATUS', 'MATCHED', 'ENTERED', 'SKIPPED', 'STARTED'],
        list.map((f) => [
          f.id,
          f.progress?.status ?? f.execution.toLowerCase(),
          f.progress?.matched,
          f.progress?.entered,
          f.progress?.skipped,
          formatTime(f.startedAt),
        ]),
        'no fan-outs',
      );
    }),
  );

  jsonOption(
    fanOuts
      .command('show')
      .description('show how far a fan-out got: matched, entered, skipped, status')
      .argument('<id>', 'fan-out id'),
  ).action(
    withContext(async (ctx, _opts, id) => {
      const fanOut = await ctx.gateway().get<FanOutView>(path(id));
      if (ctx.json) return printJson(fanOut);
      printFanOut(fanOut);
    }),
  );

  jsonOption(
    fanOuts
      .command('cancel')
      .description('stop a running fan-out after the batch it is entering')
      .argument('<id>', 'fan-out id'),
  ).action(
    withContext(async (ctx, _opts, id) => {
      const answer = await ctx.gateway().post<{ id: string }>(`${path(id)}/cancel`);
      if (ctx.json) return printJson(answer);
      printLine(`cancelling fan-out ${id}; follow it with: hookway fanouts show ${id}`);
    }),
  );
}
