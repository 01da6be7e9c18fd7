// `hookway campaigns cancel <id>`: end every running journey of a campaign at once, through
// one Temporal batch operation, without archiving the campaign.
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { CliError } from '../errors';
import { printJson, printLine } from '../output';
import { progressBar } from '../progress';
import { BatchFailedError } from '../../temporal/batch';
import { cancelRunningJourneys } from '../../temporal/campaign-journeys';

interface CancelOptions {
  terminate?: boolean;
  reason?: string;
}

export function registerCampaignCancel(campaigns: Command): void {
  jsonOption(
    campaigns
      .command('cancel')
      .description(
        "cancel every journey of a campaign running when the batch starts (each records its end as cancelled). The campaign's status is unchanged, so matching events go on starting journeys: pause it first to stop them.",
      )
      .argument('<id>', 'campaign id')
      .option('--terminate', 'terminate instead: journeys stop at once, without recording their end')
      .option('--reason <text>', 'reason recorded on the batch operation and each workflow'),
  ).action(
    withContext<CancelOptions>(async (ctx, opts, id) => {
      const kind = opts.terminate ? 'terminate' : 'cancel';
      const client = await ctx.temporal();
      const progress = progressBar(
        kind === 'cancel' ? 'cancelling' : 'terminating',
        Boolean(process.stdout.isTTY) && !ctx.json,
      );
      let outcome;
      try {
        outcome = await cancelRunningJourneys(client, id, {
          kind,
          reason: opts.reason ?? `hookway campaigns cancel ${id}`,
          watcher: {
            onWaiting: () =>
              process.stderr.write('another batch operation is running in this namespace; waiting for it to finish…\n'),
            onProgress: (done, total) => progress.update(done, total),
          },
        });
      } catch (err) {
        throw err instanceof BatchFailedError ? new CliError(err.message) : err;
      } finally {
        progress.end();
      }
      const key = kind === 'cancel' ? 'cancelled' : 'terminated';
      if (ctx.json) printJson({ [key]: outcome.succeeded, ...(outcome.failed > 0 && { failed: outcome.failed }) });
      else
        printLine(
          `${key} ${outcome.succeeded} running journeys of campaign ${id}${outcome.failed > 0 ? `; ${outcome.failed} failed` : ''}`,
        );
      if (outcome.failed > 0)
        throw new CliError(`${outcome.failed} journeys could not be ${key} (batch ${outcome.jobId})`);
    }),
  );
}
