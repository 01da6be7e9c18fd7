// Database commands a process sends, by command name and collection, from the driver's command monitoring
// (the connection is opened with monitorCommands): what `npm run bench` divides by the journeys
// it ran, and what an operator watches to see the database load a journey adds.
import type { Connection } from 'mongoose';
import { Counter, type Registry } from 'prom-client';

export const DB_COMMANDS_METRIC = 'hookway_db_commands_total';

export function countDbCommands(connection: Connection, registry: Registry): void {
  const counter = new Counter({
    name: DB_COMMANDS_METRIC,
    help: 'Database commands sent, by command name (find, update, insert, …) and the collection they name',
    labelNames: ['command', 'collection'],
    registers: [registry],
  });
  connection.getClient().on('commandStarted', (event) => {
    // A data command names its collection as the command's value; others (ping, hello) name none.
    const target: unknown = event.command[event.commandName];
    counter.inc({ command: event.commandName, collection: typeof target === 'string' ? target : '' });
  });
}
