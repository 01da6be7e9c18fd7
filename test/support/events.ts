// Events stored as the gateway stores them: written, then (as once a post is answered) folded
// into their users' histories, which behavioural terms and the user view read.
import assert from 'node:assert/strict';
import type { EventRecord, EventRepository } from '../../src/db/events';

export async function storeEvents(events: EventRepository, records: EventRecord[]): Promise<void> {
  const stored = await events.insertNew(records);
  assert.ok(await stored.fold(), "the events joined their users' histories");
}
