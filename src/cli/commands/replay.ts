// `hookway replay`: run recorded journey histories against the workflow code of this build,
// before deploying it, and report every non-determinism (a change that needs patched()).
import type { HistoryAndWorkflowId } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { loadWorkflowBundle } from '../../workflow-bundle';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { Command } from 'commander';
import { jsonOption, positiveInt, withContext } from '../action';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { firstDivergingEvent, type DivergingEvent } from '../divergence';
import { campaignHistories, fileHistory, journeyHistory } from '../histories';
import { printJson, printLine } from '../output';

interface ReplayOptions {
  campaign?: string;
  journey?: string;
  file?: string[];
  limit?: number;
}

interface Failure {
  workflowId: string;
  runId: string;
  file?: string;
  /** Core's own one-line reason, e.g. "[TMPRL1100] Nondeterminism error: Activity type … does not match …". */
  error: string;
  /** The first event of the history the code disagrees with (non-determinism only). */
  divergingEvent?: DivergingEvent;
  details: string;
}

/** Keeps each history handed to the replayer until its result is in, to search it for the diverging event. */
async function* remembering(
  source: AsyncIterable<HistoryAndWorkflowId> | HistoryAndWorkflowId[],
  into: Map<string, History>,
) {
  for await (const entry of source) {
    into.set(entry.workflowId, entry.history as History);
    yield entry;
  }
}

/** The SDK wraps core's reason in a long debug dump; the reason is what the operator needs. */
function reasonOf(message: string): string {
  return /message: "(\[TMPRL\d+\][^"]*)"/.exec(message)?.[1] ?? message;
}

function failureLine(failure: Failure): string {
  const where = failure.file ? ` (${failure.file})` : '';
  const event = failure.divergingEvent
    ? ` first diverging event ${failure.divergingEvent.eventId} (${failure.divergingEvent.eventType}):`
    : '';
  return `FAIL  ${failure.workflowId}${where}:${event} ${failure.error}`;
}

async function historiesFor(
  ctx: CliContext,
  opts: ReplayOptions,
  files: Map<string, string>,
): Promise<AsyncIterable<HistoryAndWorkflowId> | HistoryAndWorkflowId[]> {
  const sources = [opts.campaign, opts.journey, opts.file].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new CliError('give exactly one of --campaign, --journey or --file');
  if (opts.file) {
    return opts.file.map((file) => {
      const entry = fileHistory(file);
      files.set(entry.workflowId, file);
      return entry;
    });
  }
  const client = await ctx.temporal();
  if (opts.journey) return [await journeyHistory(client, opts.journey)];
  return campaignHistories(client, opts.campaign!, opts.limit);
}

export function registerReplay(program: Command): void {
  jsonOption(
    program
      .command('replay')
      .description("replay journey histories against this build's workflow code; exits 1 on any non-determinism")
      .option('--campaign <id>', 'every journey of this campaign, running or closed')
      .option('--journey <workflowId>', 'one journey, e.g. journey/price-drop/user-42')
      .option('--file <path...>', 'history files in proto3 JSON (temporal workflow show -o json)')
      .option('--limit <n>', 'with --campaign: at most this many journeys', positiveInt),
  ).action(
    withContext<ReplayOptions>(async (ctx, opts) => {
      const files = new Map<string, string>();
      const histories = await historiesFor(ctx, opts, files);
      // Core logs each replay failure at WARN on stderr; the CLI reports them itself, once.
      Runtime.install({
        logger: new DefaultLogger('ERROR'),
        telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
      });
      const workflowBundle = await loadWorkflowBundle();
      const failures: Failure[] = [];
      const pending = new Map<string, History>();
      let replayed = 0;
      const replayOptions = { workflowBundle, dataConverter: { payloadCodecs: [ctx.codec()] } };
      for await (const result of Worker.runReplayHistories(replayOptions, remembering(histories, pending))) {
        replayed += 1;
        const history = pending.get(result.workflowId);
        pending.delete(result.workflowId);
        if (!result.error) {
          if (!ctx.json) printLine(`ok    ${result.workflowId}`);
          continue;
        }
        const { message } = result.error;
        const divergingEvent =
          result.error instanceof DeterminismViolationError && history
            ? await firstDivergingEvent(replayOptions, { workflowId: result.workflowId, history })
            : undefined;
        const failure = {
          workflowId: result.workflowId,
          runId: result.runId,
          file: files.get(result.workflowId),
          error: reasonOf(message),
          divergingEvent,
          details: message,
        };
        failures.push(failure);
        if (!ctx.json) printLine(failureLine(failure));
      }
      if (ctx.json) printJson({ replayed, failed: failures.length, failures });
      else
        printLine(
          replayed === 0
            ? 'no histories to replay'
            : `replayed ${replayed} histories: ${failures.length} non-deterministic`,
        );
      if (failures.length > 0) process.exitCode = 1;
    }),
  );
}
