// RecentRead.fresh() on a fake read that counts the commands sent and ends only when told: a
// value is the number of the command that read it, so a caller that got a value greater than
// the count at its call got one read after it began.
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { RecentRead } from '../../src/db/recent-read';

function countingRead() {
  const pending: Array<() => void> = [];
  const counter = {
    sent: 0,
    /** Ends the oldest read in flight. */
    endOne: () => pending.shift()!(),
    inFlight: () => pending.length,
    read: () => {
      const n = ++counter.sent;
      return new Promise<number>((resolve) => pending.push(() => resolve(n)));
    },
  };
  return counter;
}

describe('RecentRead.fresh', () => {
  it('shares reads between concurrent callers, each getting a value read by a command sent after its call', async () => {
    const counter = countingRead();
    const recent = new RecentRead(counter.read);
    const calls: Array<{ sentBefore: number; value: Promise<number> }> = [];
    const call = () => calls.push({ sentBefore: counter.sent, value: recent.fresh() });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5; i++) call();
      assert.ok(counter.inFlight() <= 1, 'at most one read in flight');
      counter.endOne();
      await tick();
    }
    while (counter.inFlight() > 0) {
      counter.endOne();
      await tick();
    }
    for (const { sentBefore, value } of calls) assert.ok((await value) > sentBefore, 'read after the call began');
    assert.ok(counter.sent <= 11, `50 callers sent ${counter.sent} reads`);
  });

  it('a caller arriving while a read is in flight waits for the next one; those arriving before it is sent join it', async () => {
    const counter = countingRead();
    const recent = new RecentRead(counter.read);
    const first = recent.fresh();
    const [second, third] = [recent.fresh(), recent.fresh()];
    assert.equal(counter.sent, 1, 'the queued read is not sent while one is in flight');
    counter.endOne();
    assert.equal(await first, 1);
    await tick();
    assert.equal(counter.sent, 2);
    const fourth = recent.fresh();
    counter.endOne();
    assert.deepEqual(await Promise.all([second, third]), [2, 2]);
    await tick();
    counter.endOne();
    assert.equal(await fourth, 3, 'the read it joined had been sent before it arrived');
  });

  it('sends the queued read even when the one before it failed', async () => {
    let n = 0;
    const recent = new RecentRead(async () => {
      if (++n === 1) throw new Error('lost connection');
      return n;
    });
    const [failed, next] = [recent.fresh(), recent.fresh()];
    await assert.rejects(failed, /lost connection/);
    assert.equal(await next, 2);
  });

  it('lets get() reuse a fresh value for maxAgeMs', async () => {
    let n = 0;
    const recent = new RecentRead(async () => ++n, 60_000);
    assert.equal(await recent.fresh(), 1);
    assert.equal(await recent.get(), 1);
    assert.equal(await recent.fresh(), 2);
  });
});
