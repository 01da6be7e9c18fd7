// Started by the event-retention schedule (src/temporal/retention-schedule.ts).
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { purgeOldEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '10s', maximumInterval: '5m', maximumAttempts: 10 },
});

export interface PurgeEventsInput {
  /** Events whose timestamp is older than this many milliseconds are deleted. */
  retentionMs: number;
}

export async function purgeEvents(input: PurgeEventsInput): Promise<{ deleted: number }> {
  return purgeOldEvents(input);
}
