// A scheduled campaign's Temporal Schedule: created or updated when the campaign is
// activated or edited, paused with it, deleted when it is archived. Each firing starts a
// fan-out workflow over the schedule's segment.
import {
  MONTHS,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import { campaignGate, type CampaignStatus } from '../domain/campaign-gate';
import type { Campaign } from '../domain/campaign';
import type { CampaignSchedule } from '../domain/campaign-schedule';
import { fanOutIds, type FanOutInput } from '../domain/fan-out';
import { EARLIEST_ZONE } from '../domain/local-time-phases';
import { fanOut } from '../../workflows';
import { CAMPAIGN_ID } from '../../workflows/search-attributes';

export const campaignScheduleId = (campaignId: string) => `campaign-schedule:${campaignId}`;

function specOf(schedule: CampaignSchedule): ScheduleSpec {
  if (schedule.cron !== undefined) {
    // With localTime the schedule fires in the earliest zone, and the fan-out waits for each later one.
    return {
      cronExpressions: [schedule.cron],
      timezone: schedule.localTime ? EARLIEST_ZONE : (schedule.timeZone ?? 'UTC'),
    };
  }
  const at = new Date(schedule.at!);
  const calendar = {
    year: at.getUTCFullYear(),
    month: MONTHS[at.getUTCMonth()],
    dayOfMonth: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    second: at.getUTCSeconds(),
  };
  return { calendars: [calendar], timezone: 'UTC' };
}

function fanOutInput(campaign: Campaign, schedule: CampaignSchedule, entriesPerSecond: number): FanOutInput {
  const audience = schedule.segment !== undefined ? { segment: schedule.segment } : schedule.audience!;
  const localTime = schedule.localTime
    ? { property: campaign.timeZone.property, defaultZone: campaign.timeZone.default ?? 'UTC' }
    : undefined;
  return {
    campaignId: campaign.id,
    source: { audience, ...(localTime && { localTime }) },
    event: { properties: {} },
    entriesPerSecond: schedule.entriesPerSecond ?? entriesPerSecond,
  };
}

function scheduleOptions(
  taskQueue: string,
  campaign: Campaign,
  schedule: CampaignSchedule,
  entriesPerSecond: number,
  paused: boolean,
) {
  return {
    scheduleId: campaignScheduleId(campaign.id),
    spec: specOf(schedule),
    action: {
      type: 'startWorkflow' as const,
      workflowType: fanOut,
      args: [fanOutInput(campaign, schedule, entriesPerSecond)] as [FanOutInput],
      taskQueue,
      workflowId: fanOutIds.schedule(campaign.id),
      typedSearchAttributes: [{ key: CAMPAIGN_ID, value: campaign.id }],
    },
    // A local-time fan-out runs for a day across the zones; the next firing must not be skipped for it.
    policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL },
    state: { paused, note: paused ? 'campaign paused' : undefined },
  } satisfies ScheduleOptions;
}

async function deleteSchedule(client: Client, campaignId: string): Promise<void> {
  try {
    await client.schedule.getHandle(campaignScheduleId(campaignId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * Brings the campaign's schedule in line with its definition and status; a draft has none yet.
 * A campaign that has no schedule and had none (`hadSchedule`: an edit removed it) never calls Temporal.
 */
export async function syncCampaignSchedule(
  client: Client,
  taskQueue: string,
  campaign: { definition: Campaign; status: CampaignStatus },
  entriesPerSecond: number,
  hadSchedule = false,
): Promise<void> {
  const { definition } = campaign;
  const gate = campaignGate(campaign.status).schedule;
  if (gate === 'none' || (!definition.schedule && !hadSchedule)) return;
  if (gate === 'delete' || !definition.schedule) return deleteSchedule(client, definition.id);
  const options = scheduleOptions(taskQueue, definition, definition.schedule, entriesPerSecond, gate === 'pause');
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(options.scheduleId);
    // The update carries the paused flag too: it replaces the schedule whole, so an update
    // carrying the previous flag could undo a pause the scheduler had taken just before.
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
      state: { ...previous.state, ...options.state },
    }));
    await (options.state.paused ? handle.pause('campaign paused') : handle.unpause('campaign active'));
  }
}
