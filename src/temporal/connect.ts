import { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { ClosingConnection } from './closing-connection';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPE: Record<(typeof SEARCH_ATTRIBUTES)[number]['type'], temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

/** Every Hookway client encrypts payloads with the codec; only a CLI without the keys goes without. */
export async function connectClient(
  address: string,
  namespace: string,
  codec: PayloadCodec | undefined,
): Promise<Client> {
  const connection = await ClosingConnection.open({ address });
  return new Client({ connection, namespace, ...(codec && { dataConverter: { payloadCodecs: [codec] } }) });
}

/** A deadline ends the client's own retries, which would otherwise outlive the caller. */
export async function pingTemporal(client: Client, timeoutMs: number): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
}

/**
 * Registers Hookway's search attributes on the namespace. The embedded dev server gets them
 * as start-up flags too; on a real cluster this needs operator rights (or the documented
 * `temporal operator search-attribute create` command).
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  await addSearchAttributes(
    client,
    namespace,
    SEARCH_ATTRIBUTES.filter((attribute) => !(attribute.name in (customAttributes ?? {}))),
  );
}

/** Adds search attributes without asking which exist (the time-skipping test server cannot list them). */
export async function addSearchAttributes(
  client: Client,
  namespace: string,
  attributes = SEARCH_ATTRIBUTES,
): Promise<void> {
  if (attributes.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(attributes.map((a) => [a.name, INDEXED_TYPE[a.type]])),
  });
}
