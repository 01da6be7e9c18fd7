// "A client always hears an answer": when the database stops answering (here FerretDB is
// frozen with SIGSTOP, as a stalled disk or a primary election would leave it), an event post
// is answered 503 with Retry-After instead of hanging, and once the database is back the same
// event sent again is stored once.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { startFerretDb } from '../../src/embedded/services';
import type { RunningGateway } from '../../src/gateway/start';
import { freePort } from '../../src/embedded/free-port';
import { api, eventually, stack, startTestGateway, uniqueId } from '../support/stack';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

describe('event posts while the database does not answer', function () {
  this.timeout(120_000);
  let ferretdb: ServiceProcess;
  let gateway: RunningGateway;
  const taskQueue = uniqueId('deadline');

  before(async function () {
    const port = await freePort();
    const dir = path.join(stack().dir, taskQueue);
    ferretdb = await startFerretDb({ dataDir: dir, port, logFile: `${dir}.log` });
    gateway = await startTestGateway(taskQueue, {
      mongoUri: ferretDbUri(port),
    });
  });

  after(async function () {
    ferretdb?.child.kill('SIGCONT');
    await gateway?.close();
    await ferretdb?.stop();
  });

  it('answers 503 with Retry-After instead of hanging, and stores the event once when it is sent again', async function () {
    const userId = uniqueId('user');
    assert.equal((await api(gateway, 'POST', '/v1/events', { userId, name: 'warm_up' })).status, 202);

    ferretdb.child.kill('SIGSTOP');
    const event = { id: uniqueId('evt'), userId, name: 'checkout_started' };
    let answer;
    try {
      answer = await api(gateway, 'POST', '/v1/events', event);
    } finally {
      ferretdb.child.kill('SIGCONT');
    }
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('retry-after'), '8');
    assert.match(answer.body.error.message, /did not answer within 8 s; send the events again with the same ids/);

    const retried = await eventually(async () => {
      const again = await api(gateway, 'POST', '/v1/events', event);
      return again.status === 202 ? again.body : undefined;
    }, 60_000);
    assert.equal(retried.accepted + retried.duplicates, 1);
    // The user view shows an event once it joined the user's history, just after the answer.
    const user = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/users/${userId}`);
      return body.recentEvents?.some((e: { id: string }) => e.id === event.id) ? body : undefined;
    });
    assert.deepEqual(user.recentEvents.filter((e: { id: string }) => e.id === event.id).length, 1, 'stored once');
  });
});
