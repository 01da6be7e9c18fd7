// The floor: the least a webhook journey can cost on Temporal, one workflow with one activity
// that POSTs. Bundled on its own (its own worker and task queue), apart from Hookway's workflows.
// Started like a journey (the bench's `start-shape` phase), it is given a journey's input as
// well, and takes no notice of it.
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

const { post } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

export async function floorWorkflow(url: string, ref: string, ..._startedLikeAJourney: unknown[]): Promise<void> {
  await post(url, ref);
}
