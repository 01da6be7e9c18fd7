/** One journey per (campaign, user): the id is deterministic, so a second trigger finds the first. */
export function journeyWorkflowId(campaignId: string, userId: string): string {
  return `journey/${campaignId}/${userId}`;
}
