import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Journeys are findable in the Temporal Web UI and the CLI by these, e.g. CampaignId="price-drop".
export const CAMPAIGN_ID = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const USER_ID = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
/** The campaign version a journey runs, e.g. "2"; a Keyword so it matches exactly. */
export const CAMPAIGN_VERSION = defineSearchAttributeKey('CampaignVersion', SearchAttributeType.KEYWORD);

/** The step a journey is on, e.g. JourneyStep="afterSms", to find journeys stuck somewhere. */
export const JOURNEY_STEP = defineSearchAttributeKey('JourneyStep', SearchAttributeType.KEYWORD);

/**
 * What a journey is doing: `running` (a step is under way), `waiting` (a delay, an event, a goal
 * window), `held` (a paused campaign, quiet hours, a send window, a frequency cap), or `ended`
 * (it finished, whatever its outcome, or was cancelled). Absent on journeys refused at entry.
 */
export const JOURNEY_STATE = defineSearchAttributeKey('JourneyState', SearchAttributeType.KEYWORD);
export type JourneyPhase = 'running' | 'waiting' | 'held' | 'ended';

export const SEARCH_ATTRIBUTES = [CAMPAIGN_ID, USER_ID, CAMPAIGN_VERSION, JOURNEY_STEP, JOURNEY_STATE];
