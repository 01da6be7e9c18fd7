// The fan-out: enters many users into one campaign, paced, resumable and cancellable. It is
// a Temporal workflow, so a restart of any process resumes it where its history says; each
// user's entry is claimed in MongoDB, so a resumed batch enters nobody twice.
// Deterministic: only @temporalio/workflow and pure domain code.
import {
  CancellationScope,
  CancelledFailure,
  continueAsNew,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { createFanOutAudienceActivities } from '../activities/fan-out-audience';
import type { createFanOutActivities, FanOutEvent } from '../activities/fan-out';
import type {
  FanOutCarried,
  FanOutInput,
  FanOutPhase,
  FanOutProgress,
  FanOutStatus,
  FanOutUser,
} from '../src/domain/fan-out';
import { localTimePhases } from '../src/domain/local-time-phases';
import { historyIsLong } from './guards/continue-as-new';

type FanOutActivities = ReturnType<typeof createFanOutActivities> & ReturnType<typeof createFanOutAudienceActivities>;

export const fanOutProgressQuery = defineQuery<FanOutProgress>('progress');

const { enterFanOutUsers, findFanOutUsers, timeZonesInUse } = proxyActivities<FanOutActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/** Users entered by one activity call; fewer when the pace is slower than this per second. */
const MAX_BATCH = 100;
/** How often a fan-out held by a paused campaign looks again. */
const PAUSE_RECHECK = '15s';

/** One run of a fan-out: its input, what it carries into a next run, and the trigger it gives each journey. */
interface FanOutRun {
  input: FanOutInput;
  carried: FanOutCarried;
  event: FanOutEvent;
  batchSize: number;
}

export async function fanOut(input: FanOutInput): Promise<FanOutProgress> {
  const startedAt = new Date(Date.now()).toISOString();
  const carried: FanOutCarried = input.carried ?? {
    progress: {
      status: 'running',
      campaignId: input.campaignId,
      matched: 0,
      entered: 0,
      skipped: 0,
      startedAt,
      updatedAt: startedAt,
    },
    phase: 0,
    timestamp: input.event.timestamp ?? startedAt,
  };
  const run: FanOutRun = {
    input,
    carried,
    event: { ...input.event, timestamp: carried.timestamp },
    batchSize: Math.max(1, Math.min(MAX_BATCH, Math.floor(input.entriesPerSecond))),
  };
  setHandler(fanOutProgressQuery, () => carried.progress);
  try {
    report(run, 'running');
    const { source } = input;
    let finished: boolean;
    if ('users' in source) finished = await enterListed(run, source.users);
    else {
      carried.phases ??= source.localTime
        ? localTimePhases(
            Date.now(),
            source.audience,
            source.localTime,
            await timeZonesInUse({ property: source.localTime.property }),
          )
        : [{ at: Date.now(), audience: source.audience }];
      finished = await enterMatching(run, carried.phases);
    }
    report(run, finished ? 'completed' : 'campaignEnded');
    return carried.progress;
  } catch (err) {
    if (isCancellation(err)) report(run, 'cancelled');
    throw err;
  }
}

/** The memo shows the progress in the Web UI and to the API once the fan-out has closed. */
function report({ carried: { progress } }: FanOutRun, status: FanOutStatus, waitingFor?: string): void {
  progress.status = status;
  progress.waitingFor = waitingFor;
  progress.updatedAt = new Date(Date.now()).toISOString();
  upsertMemo({ progress });
}

/** Carries the cursor and counters into a new run when the history is long. */
async function continueIfLong(run: FanOutRun, next: Partial<FanOutInput>, cursor?: string): Promise<void> {
  if (!historyIsLong()) return;
  await continueAsNew<typeof fanOut>({ ...run.input, ...next, carried: { ...run.carried, cursor } });
}

/** Enters one batch at the pace asked for; false when the campaign has ended and the fan-out must stop. */
async function enterBatch(run: FanOutRun, users: FanOutUser[]): Promise<boolean> {
  const { input, carried, event } = run;
  const { progress } = carried;
  // A loaded worker may be behind its pace, so no timer would notice a cancel between batches.
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('fan-out cancelled');
  const began = Date.now();
  const request = { fanOutId: workflowInfo().workflowId, campaignId: input.campaignId, users, event };
  for (;;) {
    // A batch under way finishes even when the fan-out is cancelled, so the progress counts every user it entered.
    const result = await CancellationScope.nonCancellable(() => enterFanOutUsers(request));
    if (result.campaign === 'ended') return false;
    if (result.campaign === 'active') {
      progress.matched += users.length;
      progress.entered += result.entered;
      progress.skipped += result.skipped;
      report(run, 'running');
      break;
    }
    report(run, 'paused', 'the campaign to be resumed');
    await sleep(PAUSE_RECHECK);
  }
  const due = began + (users.length * 1000) / input.entriesPerSecond;
  if (due > Date.now()) await sleep(due - Date.now());
  return true;
}

async function enterListed(run: FanOutRun, users: FanOutUser[]): Promise<boolean> {
  for (let rest = users; rest.length > 0;) {
    await continueIfLong(run, { source: { users: rest } });
    const batch = rest.slice(0, run.batchSize);
    if (!(await enterBatch(run, batch))) return false;
    rest = rest.slice(batch.length);
  }
  return true;
}

/** Enters the audience's users phase by phase (all at once, or each time zone at its local time). */
async function enterMatching(run: FanOutRun, phases: FanOutPhase[]): Promise<boolean> {
  const { carried, event, batchSize } = run;
  for (; carried.phase < phases.length; carried.phase += 1) {
    const phase = phases[carried.phase];
    if (phase.at > Date.now()) {
      report(run, 'waiting', `${phase.label ?? 'the start'} at ${new Date(phase.at).toISOString()}`);
      await sleep(phase.at - Date.now());
      report(run, 'running');
    }
    let cursor = carried.cursor;
    carried.cursor = undefined;
    for (;;) {
      await continueIfLong(run, {}, cursor);
      const userIds = await findFanOutUsers({ audience: phase.audience, event, afterUserId: cursor, limit: batchSize });
      if (
        userIds.length > 0 &&
        !(await enterBatch(
          run,
          userIds.map((userId) => ({ userId })),
        ))
      )
        return false;
      if (userIds.length < batchSize) break;
      cursor = userIds[userIds.length - 1];
    }
  }
  return true;
}
