import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Journeys are findable in the Temporal Web UI and the CLI by these, e.g. CampaignId="price-drop".
export const CAMPAIGN_ID = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const USER_ID = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
/** The campaign version a journey runs, e.g. "2"; a Keyword so it matches exactly. */
export const CAMPAIGN_VERSION = defineSearchAttributeKey('CampaignVersion', SearchAttributeType.KEYWORD);

/** The step a journey is on, e.g. JourneyStep="afterSms", to find journeys stuck somewhere. */
export const JOURNEY_STEP = defineSearchAttributeKey('JourneyStep', SearchAttributeType.KEYWORD);

/** What a journey is doing: running, waiting (a delay, an event, a goal) or held (paused campaign, quiet hours, a frequency cap). */
export const JOURNEY_STATE = defineSearchAttributeKey('JourneyState', SearchAttributeType.KEYWORD);
export type JourneyPhase = 'running' | 'waiting' | 'held';

export const SEARCH_ATTRIBUTES = [CAMPAIGN_ID, USER_ID, CAMPAIGN_VERSION, JOURNEY_STEP, JOURNEY_STATE];
