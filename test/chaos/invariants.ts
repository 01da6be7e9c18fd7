// What must hold after a fault, read from the database the gateway and the worker wrote and
// from the receiver's own books; none of it trusts Hookway's API.
import type { Connection } from 'mongoose';
import { entryCount } from '../../src/db/journeys';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import type { SentEvent } from './event-driver';
import type { FlakyReceiver } from './flaky-receiver';

export interface Invariants {
  journeys: number;
  /** Acknowledged events not stored. */
  notStored: number;
  /** Stored events still waiting in the outbox. */
  notRouted: number;
  /** Acknowledged triggers without a journey. */
  noJourney: number;
  /** Journeys that did not reach their expected end (completed). */
  unfinished: number;
  /** (campaign, user) pairs whose trigger started more than one journey. */
  duplicateJourneys: number;
  webhooksExpected: number;
  webhooksDelivered: number;
  rawDuplicates: number;
}

export function lost(inv: Invariants): number {
  return inv.notStored + inv.notRouted + inv.noJourney;
}

export function settled(inv: Invariants): boolean {
  return lost(inv) === 0 && inv.unfinished === 0 && inv.webhooksDelivered === inv.webhooksExpected;
}

/** One webhook per user and step expected; how many the receiver accepted. No database read. */
export function webhookTally(
  receiver: FlakyReceiver,
  users: string[],
  steps: string[],
): { expected: number; delivered: number } {
  const delivered = new Set<string>();
  for (const id of receiver.acknowledgedIds()) {
    const { user, step } = receiver.byWebhookId.get(id)!.body;
    delivered.add(`${user} ${step}`);
  }
  const expected = users.flatMap((u) => steps.map((s) => `${u} ${s}`));
  return { expected: expected.length, delivered: expected.filter((key) => delivered.has(key)).length };
}

interface StoredEvent {
  _id: string;
}

interface StoredJourney {
  _id: string;
  status: string;
  outcome?: string;
  entries?: number;
  runIds?: string[];
}

interface StoredDelivery {
  _id: string;
  journeyId: string;
  stepId: string;
}

/** Each acknowledged trigger must end in one completed journey that sent one webhook per step. */
export async function checkInvariants(
  db: Connection,
  campaignId: string,
  steps: string[],
  acknowledged: SentEvent[],
  receiver: FlakyReceiver,
): Promise<Invariants> {
  const ids = acknowledged.map((e) => e.id);
  const collection = <T>(name: string) => db.collection<T & { _id: string }>(name);
  const events = await collection<StoredEvent>('events')
    .find({ _id: { $in: ids } })
    .toArray();
  const owing = await collection<StoredEvent>('event_outbox')
    .find({ _id: { $in: ids } })
    .toArray();
  const journeys = await collection<StoredJourney>('journeys').find({ campaignId }).toArray();
  const deliveries = await collection<StoredDelivery>('deliveries').find({ campaignId }).toArray();

  const journeyById = new Map(journeys.map((j) => [j._id, j]));
  const users = [...new Set(acknowledged.map((e) => e.userId))];
  const expectedJourneys = users.map((u) => journeyById.get(journeyWorkflowId(campaignId, u)));

  // A second journey for the same trigger makes new deliveries for the same step (new ids).
  const deliveriesPerStep = new Map<string, number>();
  for (const d of deliveries)
    deliveriesPerStep.set(`${d.journeyId} ${d.stepId}`, (deliveriesPerStep.get(`${d.journeyId} ${d.stepId}`) ?? 0) + 1);
  const duplicated = new Set([...deliveriesPerStep].filter(([, n]) => n > 1).map(([key]) => key.split(' ')[0]));
  for (const j of journeys) if (entryCount(j) > 1) duplicated.add(j._id);

  const { expected: webhooksExpected, delivered: webhooksDelivered } = webhookTally(receiver, users, steps);

  return {
    journeys: journeys.length,
    notStored: ids.length - events.length,
    notRouted: owing.length,
    noJourney: expectedJourneys.filter((j) => !j).length,
    unfinished: expectedJourneys.filter((j) => j && !(j.status === 'ended' && j.outcome === 'completed')).length,
    duplicateJourneys: duplicated.size,
    webhooksExpected,
    webhooksDelivered,
    rawDuplicates: receiver.rawDuplicates,
  };
}
