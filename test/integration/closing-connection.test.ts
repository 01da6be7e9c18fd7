// A client closed while Temporal is unreachable must not take its process down with it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTemporalDevServer } from '../../src/embedded/services';
import { freePort } from '../../src/embedded/free-port';
import { connectClient } from '../../src/temporal/connect';
import { stack, uniqueId } from '../support/stack';

describe('a Temporal client closed while its calls are being retried', function () {
  this.timeout(60_000);

  it('ends the pending call with an error instead of throwing from a retry timer', async function () {
    const port = await freePort();
    const dbFile = path.join(stack().dir, `${uniqueId('closing')}.sqlite`);
    const temporal = await startTemporalDevServer({ dbFile, port, logFile: `${dbFile}.log` });
    const client = await connectClient(`127.0.0.1:${port}`, 'default', undefined);
    await temporal.stop();

    const call = client.workflowService.getSystemInfo({});
    // The first attempt is refused at once; by now the SDK has scheduled its next retry.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.connection.close();

    await assert.rejects(call, /UNAVAILABLE/);
  });
});
