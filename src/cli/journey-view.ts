// A journey's execution as the CLI shows it, from a visibility listing or a describe.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { CAMPAIGN_ID, CAMPAIGN_VERSION, JOURNEY_STEP, USER_ID } from '../../workflows/search-attributes';

export interface JourneySummary {
  workflowId: string;
  runId: string;
  status: string;
  campaignId?: string;
  userId?: string;
  version?: string;
  step?: string;
  startTime?: string;
  closeTime?: string;
}

export function journeySummary(execution: Omit<WorkflowExecutionInfo, 'raw'>): JourneySummary {
  const attributes = execution.typedSearchAttributes;
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    status: execution.status.name,
    campaignId: attributes.get(CAMPAIGN_ID),
    userId: attributes.get(USER_ID),
    version: attributes.get(CAMPAIGN_VERSION),
    step: attributes.get(JOURNEY_STEP),
    startTime: execution.startTime.toISOString(),
    closeTime: execution.closeTime?.toISOString(),
  };
}
