// A fan-out enters many users into one campaign: the users an API call lists, those an entity
// event concerns, or a schedule's segment. Pure: the fan-out workflow imports it.
import type { Condition } from './condition';
import type { Properties } from './event';

export interface FanOutUser {
  userId: string;
  /** The trigger event's properties for this user (API-triggered entry), read by the templates. */
  properties?: Properties;
}

/** A group of matching users entered together, once `at` (epoch ms) has come. */
export interface FanOutPhase {
  at: number;
  audience: Condition;
  /** Names the group in the progress, e.g. the time zone whose local time it waits for. */
  label?: string;
}

/** Where the users come from: a list given up front, or the users matching an audience. */
export type FanOutSource = { users: FanOutUser[] } | { audience: Condition; localTime?: LocalTimeEntry };

/** Enter each user when their own clock shows the wall time the schedule fired at in the earliest zone. */
export interface LocalTimeEntry {
  /** The profile property holding the user's IANA zone, and the zone when it is missing or invalid. */
  property: string;
  defaultZone: string;
}

export interface FanOutInput {
  campaignId: string;
  source: FanOutSource;
  /** The trigger every journey receives; its name defaults to the campaign's trigger event. */
  event: { name?: string; properties: Properties; timestamp?: string };
  entriesPerSecond: number;
  /** Set when a long fan-out continued as a new run. */
  carried?: FanOutCarried;
}

export interface FanOutCarried {
  progress: FanOutProgress;
  phases?: FanOutPhase[];
  phase: number;
  /** The last user id entered in the current phase: the next page starts after it. */
  cursor?: string;
  timestamp: string;
}

export type FanOutStatus = 'running' | 'waiting' | 'paused' | 'completed' | 'cancelled' | 'campaignEnded';

export interface FanOutProgress {
  status: FanOutStatus;
  campaignId: string;
  /** Users found so far: listed, or matching the audience. */
  matched: number;
  /** Users whose journey this fan-out started or signalled. */
  entered: number;
  /** Users passed over: entered already by this fan-out before a restart. */
  skipped: number;
  /** What the fan-out waits for, e.g. "09:00 in Asia/Seoul at 2026-11-30T00:00:00.000Z". */
  waitingFor?: string;
  startedAt: string;
  updatedAt: string;
}

/** Workflow ids; each kind is deterministic where a retry must find the fan-out it started. */
export const fanOutIds = {
  /** One per (entity event, campaign): a re-swept event starts no second fan-out. */
  entityEvent: (eventId: string, campaignId: string) => `fanout:event:${campaignId}:${eventId}`,
  /** The schedule appends the firing time to this. */
  schedule: (campaignId: string) => `fanout:schedule:${campaignId}`,
  trigger: (campaignId: string, requestId: string) => `fanout:trigger:${campaignId}:${requestId}`,
};

/** The trigger event id a user gets from a fan-out: a resumed fan-out signals the same id, which the journey ignores. */
export function entryEventId(fanOutId: string, userId: string): string {
  return `${fanOutId}/${userId}`;
}
