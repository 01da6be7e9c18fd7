// `hookway campaigns trigger <id> -f users.json`: enter the listed users now, each with its
// properties for the templates, through one paced fan-out.
import type { Command } from 'commander';
import { jsonOption, positiveInt, withContext } from '../action';
import { readDefinitionFile } from '../definition-file';
import { CliError } from '../errors';
import { printJson, printLine } from '../output';

interface TriggerOptions {
  file: string;
  event?: string;
  rate?: number;
}

export function registerCampaignTrigger(campaigns: Command): void {
  jsonOption(
    campaigns
      .command('trigger')
      .description(
        'enter the users listed in a file now: [{ "userId", "properties"? }, …] or { "users": [...] } (JSON or YAML, up to 10,000)',
      )
      .argument('<id>', 'campaign id')
      .requiredOption('-f, --file <path>', 'the users (.json, .yaml or .yml)')
      .option('--event <name>', "the trigger event's name the journeys see (default: the campaign's trigger)")
      .option('--rate <n>', 'users entered per second', positiveInt),
  ).action(
    withContext<TriggerOptions>(async (ctx, opts, id) => {
      const { file, value } = readDefinitionFile(opts.file);
      const users = Array.isArray(value) ? value : (value as { users?: unknown } | null)?.users;
      if (!Array.isArray(users)) throw new CliError(`${file}: expected a list of users, or an object with "users"`);
      const started = await ctx
        .gateway()
        .post<{ fanOutId: string; users: number; duplicates: number }>(
          `/v1/campaigns/${encodeURIComponent(id)}/trigger`,
          {
            users,
            ...(opts.event && { event: opts.event }),
            ...(opts.rate && { entriesPerSecond: opts.rate }),
          },
        );
      if (ctx.json) return printJson(started);
      const duplicates = started.duplicates > 0 ? ` (${started.duplicates} listed twice)` : '';
      printLine(
        `entering ${started.users} users${duplicates} through fan-out ${started.fanOutId}; follow it with: hookway fanouts show ${started.fanOutId}`,
      );
    }),
  );
}
