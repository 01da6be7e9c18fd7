// `hookway journeys …`: find journeys through Temporal visibility, look into one, cancel one.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { jsonOption, positiveInt, withContext } from '../action';
import { CliError } from '../errors';
import { journeySummary, type JourneySummary } from '../journey-view';
import { formatTime, printJson, printLine, printTable } from '../output';
import { journeysQuery } from '../../temporal/journey-queries';
import { parseStatus, STATUS_CHOICES } from '../visibility';
import { registerJourneyShow } from './journey-show';

interface ListOptions {
  campaign?: string;
  user?: string;
  status?: string;
  limit: number;
}

export function registerJourneys(program: Command): void {
  const journeys = program
    .command('journeys')
    .description('list, show and cancel journeys (Temporal workflows, one per campaign and user)');

  jsonOption(
    journeys
      .command('list')
      .description('list journeys, newest first, by campaign, user and status')
      .option('--campaign <id>', 'only this campaign')
      .option('--user <id>', 'only this user')
      .option('--status <status>', `only this status: ${STATUS_CHOICES.join(', ')}`, parseStatus)
      .option('--limit <n>', 'at most this many', positiveInt, 50),
  ).action(
    withContext<ListOptions>(async (ctx, opts) => {
      const client = await ctx.temporal();
      const query = journeysQuery({ campaignId: opts.campaign, userId: opts.user, status: opts.status });
      const found: JourneySummary[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: Math.min(opts.limit, 1_000) })) {
        found.push(journeySummary(execution));
        if (found.length >= opts.limit) break;
      }
      if (ctx.json) return printJson({ query, journeys: found });
      printTable(
        ['WORKFLOW ID', 'STATUS', 'CAMPAIGN', 'VERSION', 'USER', 'STEP', 'STARTED', 'CLOSED'],
        found.map((j) => [
          j.workflowId,
          j.status,
          j.campaignId,
          j.version,
          j.userId,
          j.step,
          formatTime(j.startTime),
          formatTime(j.closeTime),
        ]),
        'no journeys match',
      );
    }),
  );

  registerJourneyShow(journeys);

  jsonOption(
    journeys
      .command('cancel')
      .description('cancel one running journey; it records its end as cancelled')
      .argument('<workflowId>', 'e.g. journey/price-drop/user-42'),
  ).action(
    withContext(async (ctx, _opts, workflowId) => {
      const client = await ctx.temporal();
      try {
        await client.workflow.getHandle(workflowId).cancel();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw new CliError(`journey ${workflowId} does not exist or is no longer running`);
        throw err;
      }
      if (ctx.json) return printJson({ workflowId, cancelRequested: true });
      printLine(`cancellation requested for ${workflowId}`);
    }),
  );
}
