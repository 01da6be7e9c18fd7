// `hookway events send`: send one event as the customer's product would, e.g. to try a campaign.
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { collectKeyValue } from '../key-values';
import { printJson, printLine } from '../output';

interface SendOptions {
  user: string;
  name: string;
  prop?: Record<string, unknown>;
  userProp?: Record<string, unknown>;
  id?: string;
  timestamp?: string;
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('send events');

  jsonOption(
    events
      .command('send')
      .description('send one event; matching active campaigns start or signal journeys')
      .requiredOption('--user <id>', 'the user the event is about')
      .requiredOption('--name <name>', 'event name, e.g. price_dropped')
      .option(
        '--prop <key=value>',
        'event property; repeat for more (values are JSON when they parse, else text)',
        collectKeyValue,
      )
      .option('--user-prop <key=value>', 'user profile property merged before routing; repeatable', collectKeyValue)
      .option('--id <id>', 'event id; an id sent before is a duplicate and starts nothing')
      .option('--timestamp <iso>', 'when it happened (default: now)'),
  ).action(
    withContext<SendOptions>(async (ctx, opts) => {
      const answer = await ctx.gateway().post<{ accepted: number; duplicates: number; ids: string[] }>('/v1/events', {
        userId: opts.user,
        name: opts.name,
        ...(opts.id && { id: opts.id }),
        ...(opts.prop && { properties: opts.prop }),
        ...(opts.userProp && { userProperties: opts.userProp }),
        ...(opts.timestamp && { timestamp: opts.timestamp }),
      });
      if (ctx.json) return printJson(answer);
      printLine(`${answer.accepted ? 'accepted' : 'duplicate, ignored'}: ${answer.ids.join(', ')}`);
    }),
  );
}
