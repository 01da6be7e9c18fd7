// `hookway journeys show <workflowId>`: where a journey is (its `state` query), how it ended,
// and the webhooks it sent.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { stateQuery, type JourneyResult, type JourneyState } from '../../../workflows';
import { jsonOption, withContext } from '../action';
import { CliError } from '../errors';
import { withQuery } from '../gateway';
import { journeySummary } from '../journey-view';
import { formatTime, printFields, printJson, printLine, printTable } from '../output';
import { lastAttempt, type DeliveryView } from './delivery-types';

/** A query needs a worker to answer; without one, Temporal would keep the CLI waiting. */
const QUERY_TIMEOUT_MS = 5_000;

async function readState(client: Client, workflowId: string): Promise<{ state?: JourneyState; stateError?: string }> {
  try {
    return {
      state: await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
        client.workflow.getHandle(workflowId).query(stateQuery),
      ),
    };
  } catch (err) {
    return { stateError: (err as Error).message };
  }
}

async function readResult(
  client: Client,
  workflowId: string,
  status: string,
): Promise<{ result?: JourneyResult; failure?: string }> {
  if (status !== 'COMPLETED' && status !== 'FAILED') return {};
  try {
    return { result: await client.workflow.getHandle(workflowId).result() };
  } catch (err) {
    return { failure: (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message };
  }
}

function stepsLine(state: JourneyState): string | undefined {
  const entries = Object.entries(state.steps);
  if (entries.length === 0) return undefined;
  return entries
    .map(
      ([id, context]) =>
        `${id}${context.response ? ` (response ${context.response.status})` : context.event ? ` (event ${context.event.name})` : ''}`,
    )
    .join(', ');
}

export function registerJourneyShow(journeys: Command): void {
  jsonOption(
    journeys
      .command('show')
      .description("show a journey's status, current step, what it waits for, and its deliveries")
      .argument('<workflowId>', 'e.g. journey/price-drop/user-42'),
  ).action(
    withContext(async (ctx, _opts, workflowId) => {
      const client = await ctx.temporal();
      let summary;
      try {
        summary = journeySummary(await client.workflow.getHandle(workflowId).describe());
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`journey ${workflowId} does not exist`);
        throw err;
      }
      const [{ state, stateError }, { result, failure }] = await Promise.all([
        readState(client, workflowId),
        readResult(client, workflowId, summary.status),
      ]);
      const deliveries =
        summary.campaignId && summary.userId
          ? (
              await ctx
                .gateway()
                .get<{ deliveries: DeliveryView[] }>(
                  withQuery('/v1/deliveries', { campaignId: summary.campaignId, userId: summary.userId, limit: 500 }),
                )
            ).deliveries.filter((d) => d.journeyId === workflowId)
          : [];
      if (ctx.json) return printJson({ ...summary, result, failure, state, stateError, deliveries });
      printLine(workflowId);
      printFields(
        [
          ['status', summary.status],
          [
            'outcome',
            result &&
              `${result.outcome}${result.step ? ` at ${result.step}` : ''}${result.reason ? ` (${result.reason})` : ''}`,
          ],
          ['failure', failure],
          [
            'campaign',
            summary.campaignId && `${summary.campaignId}${summary.version ? ` (version ${summary.version})` : ''}`,
          ],
          ['user', summary.userId],
          ['started', formatTime(summary.startTime)],
          ['closed', formatTime(summary.closeTime)],
          ['current step', state?.currentStep],
          ['waiting for', state?.waitingFor],
          ['events received', state?.eventsReceived],
          ['steps', state && stepsLine(state)],
          ['state', stateError && `unavailable: ${stateError}`],
        ],
        '  ',
      );
      printLine('deliveries');
      printTable(
        ['ID', 'STEP', 'STATUS', 'ATTEMPTS', 'LAST', 'CREATED'],
        deliveries.map((d) => [d.id, d.stepId, d.status, d.attempts.length, lastAttempt(d), formatTime(d.createdAt)]),
        '(none)',
        '  ',
      );
    }),
  );
}
