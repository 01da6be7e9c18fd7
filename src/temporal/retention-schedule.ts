// The event-retention schedule: a daily purgeEvents run. Created at worker start-up; a start
// with other settings updates it, so creating it is idempotent.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { PurgeEventsInput } from '../../workflows/purge-events';

export function retentionScheduleId(taskQueue: string): string {
  return `hookway-event-retention-${taskQueue}`;
}

export async function ensureRetentionSchedule(
  client: Client,
  opts: { taskQueue: string; retentionMs: number },
): Promise<void> {
  const scheduleId = retentionScheduleId(opts.taskQueue);
  const args: [PurgeEventsInput] = [{ retentionMs: opts.retentionMs }];
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'purgeEvents',
    args,
    taskQueue: opts.taskQueue,
    workflowId: scheduleId,
  };
  const spec = { intervals: [{ every: '1d' as const }] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
