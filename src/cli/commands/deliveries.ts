// `hookway deliveries …`: the webhook log, and re-sending failed webhooks with their
// original webhook-id.
import { InvalidArgumentError, type Command } from 'commander';
import { jsonOption, positiveInt, withContext } from '../action';
import { CliError } from '../errors';
import { withQuery } from '../gateway';
import { formatTime, printJson, printLine, printTable } from '../output';
import { lastAttempt, type DeliveryView } from './delivery-types';

const STATUSES = ['pending', 'retrying', 'succeeded', 'failed'];

interface ListOptions {
  failed?: boolean;
  status?: string;
  campaign?: string;
  destination?: string;
  user?: string;
  limit: number;
}

interface RedeliverOptions {
  destination?: string;
  since?: string;
  until?: string;
}

function deliveryStatus(text: string): string {
  if (!STATUSES.includes(text)) throw new InvalidArgumentError(`must be one of ${STATUSES.join(', ')}`);
  return text;
}

export function registerDeliveries(program: Command): void {
  const deliveries = program.command('deliveries').description('list webhook deliveries and redeliver failed ones');

  jsonOption(
    deliveries
      .command('list')
      .description('list deliveries, newest first, with their last attempt')
      .option('--failed', 'only failed deliveries (same as --status failed)')
      .option('--status <status>', `only this status: ${STATUSES.join(', ')}`, deliveryStatus)
      .option('--campaign <id>', 'only this campaign')
      .option('--destination <id>', 'only this destination')
      .option('--user <id>', 'only this user')
      .option('--limit <n>', 'at most this many (up to 500)', positiveInt, 50),
  ).action(
    withContext<ListOptions>(async (ctx, opts) => {
      if (opts.failed && opts.status && opts.status !== 'failed')
        throw new CliError('--failed and --status disagree; give one of them');
      const path = withQuery('/v1/deliveries', {
        status: opts.failed ? 'failed' : opts.status,
        campaignId: opts.campaign,
        destinationId: opts.destination,
        userId: opts.user,
        limit: opts.limit,
      });
      const { deliveries: list } = await ctx.gateway().get<{ deliveries: DeliveryView[] }>(path);
      if (ctx.json) return printJson({ deliveries: list });
      printTable(
        ['ID', 'STATUS', 'CAMPAIGN', 'USER', 'STEP', 'DESTINATION', 'ATTEMPTS', 'LAST', 'CREATED'],
        list.map((d) => [
          d.id,
          d.status,
          d.campaignId,
          d.userId,
          d.stepId,
          d.destinationId,
          d.attempts.length,
          lastAttempt(d),
          formatTime(d.createdAt),
        ]),
        'no deliveries match',
      );
    }),
  );

  jsonOption(
    deliveries
      .command('redeliver')
      .description(
        're-send one failed delivery, or every failed delivery to a destination in a time range, with the original webhook-id',
      )
      .argument('[id]', 'the delivery (its webhook-id, msg_…)')
      .option('--destination <id>', 'instead of one delivery: every failed one to this destination')
      .option('--since <iso>', 'with --destination: created at or after this time, e.g. 2026-11-28T00:00:00Z')
      .option('--until <iso>', 'with --destination: created before this time'),
  ).action(
    withContext<RedeliverOptions>(async (ctx, opts, id) => {
      if (id && opts.destination) throw new CliError('give either a delivery id or --destination, not both');
      if (id) {
        if (opts.since || opts.until) throw new CliError('--since and --until go with --destination');
        const answer = await ctx
          .gateway()
          .post<{ id: string; status: string; workflowId: string }>(
            `/v1/deliveries/${encodeURIComponent(id)}/redeliver`,
          );
        if (ctx.json) return printJson(answer);
        return printLine(`redelivering ${answer.id} (workflow ${answer.workflowId})`);
      }
      if (!opts.destination) throw new CliError('give a delivery id, or --destination with --since');
      if (!opts.since) throw new CliError('--destination needs --since, e.g. --since 2026-11-28T00:00:00Z');
      const answer = await ctx
        .gateway()
        .post<{ redelivering: number; workflows: string[] }>(
          `/v1/destinations/${encodeURIComponent(opts.destination)}/recover`,
          { since: opts.since, ...(opts.until && { until: opts.until }) },
        );
      if (ctx.json) return printJson(answer);
      printLine(`redelivering ${answer.redelivering} failed deliveries to ${opts.destination}`);
    }),
  );
}
