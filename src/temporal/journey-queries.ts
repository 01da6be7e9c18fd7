// Temporal visibility queries over journeys, by the search attributes the gateway sets when
// it starts one (src/temporal/journeys.ts).
import { journey } from '../../workflows';
import { CAMPAIGN_ID, CAMPAIGN_VERSION, USER_ID } from '../../workflows/search-attributes';

export interface JourneyFilter {
  campaignId?: string;
  userId?: string;
  version?: number;
  /** A Temporal ExecutionStatus, e.g. "Running". */
  status?: string;
}

/**
 * Journeys only: redelivery workflows carry CampaignId and UserId too, and cancelling a
 * campaign's journeys must not cancel the re-sends an operator asked for.
 */
export function journeysQuery(filter: JourneyFilter): string {
  const clauses = [`WorkflowType = ${JSON.stringify(journey.name)}`];
  if (filter.campaignId) clauses.push(`${CAMPAIGN_ID.name} = ${JSON.stringify(filter.campaignId)}`);
  if (filter.userId) clauses.push(`${USER_ID.name} = ${JSON.stringify(filter.userId)}`);
  if (filter.version !== undefined)
    clauses.push(`${CAMPAIGN_VERSION.name} = ${JSON.stringify(String(filter.version))}`);
  if (filter.status) clauses.push(`ExecutionStatus = ${JSON.stringify(filter.status)}`);
  return clauses.join(' AND ');
}
