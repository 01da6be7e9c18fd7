// Watching the data commands a piece of code sends, through the driver's command monitoring:
// on the embedded FerretDB (SQLite) a filter naming _id (one id, maybe beside other conditions,
// or an $in of ids; tools/ferretdb/patches) is served by an index and any other filter reads the
// whole collection, so tests of reads that must not grow with the data check that each command
// selects by _id and that there are few of them.
import type { CommandStartedEvent, Document } from 'mongodb';
import type { Connection } from 'mongoose';
import assert from 'node:assert/strict';
import { connectRepositories } from '../../src/db/connection';
import { mongoUriFor } from './stack';

const DATA_COMMANDS = new Set([
  'find',
  'getMore',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'aggregate',
  'count',
  'distinct',
]);

/** The filters a data command selects documents with; an insert selects none. */
function filtersOf(event: CommandStartedEvent): unknown[] {
  if (event.commandName === 'insert') return [];
  if (event.commandName === 'find') return [event.command.filter];
  if (event.commandName === 'update') return event.command.updates.map((u: Document) => u.q);
  if (event.commandName === 'delete') return event.command.deletes.map((d: Document) => d.q);
  return [event.command];
}

const isId = (id: unknown) => typeof id === 'string';

/** Selects documents by _id: one, or an $in of them (at most the 1,000 the patch narrows to). */
const isPointRead = (filter: unknown) => {
  if (typeof filter !== 'object' || filter === null) return false;
  const id = (filter as Document)._id;
  if (isId(id)) return true;
  const ids = (id as Document | undefined)?.$in;
  return Object.keys(id ?? {}).length === 1 && Array.isArray(ids) && ids.length <= 1_000 && ids.every(isId);
};

/**
 * Records the data commands sent on `connection` (opened with monitorCommands). `pointCommands(run)`
 * runs `run`, checks that each data command it sent selects by _id (except those `allowed`
 * accepts) and returns its result with the number of commands and each one's name and
 * collection ("insert event_history").
 */
export function watchCommands(connection: Connection) {
  const commands: CommandStartedEvent[] = [];
  connection.getClient().on('commandStarted', (e) => DATA_COMMANDS.has(e.commandName) && commands.push(e));
  return async <T>(
    run: () => Promise<T>,
    allowed: (e: CommandStartedEvent) => boolean = () => false,
  ): Promise<{ result: T; commands: number; sent: string[] }> => {
    commands.length = 0;
    const result = await run();
    for (const e of commands) {
      if (allowed(e)) continue;
      for (const filter of filtersOf(e))
        assert.ok(
          isPointRead(filter),
          `${e.commandName} on ${e.command[e.commandName]} does not select one _id: ${JSON.stringify(filter)}`,
        );
    }
    const sent = commands.map((e) => `${e.commandName} ${e.command[e.commandName]}`);
    return { result, commands: commands.length, sent };
  };
}

/** Repositories on a connection whose data commands are watched (see watchCommands). */
export async function watchedRepositories(database: string) {
  const repositories = await connectRepositories(`${mongoUriFor(database)}&monitorCommands=true`);
  return { repositories, pointCommands: watchCommands(repositories.connection) };
}
