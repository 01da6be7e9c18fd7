import assert from 'node:assert/strict';
import { parseRate } from '../../src/domain/access-key';
import { KeyRateLimiter } from '../../src/gateway/rate-limiter';

describe('KeyRateLimiter', () => {
  const threePerMinute = parseRate('3/m')!;

  it('lets a burst of the rate through, then says how long until the next request may pass', () => {
    const limiter = new KeyRateLimiter();
    for (let i = 0; i < 3; i++) assert.equal(limiter.take('key_a', threePerMinute, 0), 0);
    assert.equal(limiter.take('key_a', threePerMinute, 0), 20_000);
    assert.equal(limiter.take('key_a', threePerMinute, 5_000), 15_000);
    assert.equal(limiter.take('key_a', threePerMinute, 20_000), 0);
    assert.equal(limiter.take('key_a', threePerMinute, 20_000), 20_000);
  });

  it('keeps each key to its own bucket', () => {
    const limiter = new KeyRateLimiter();
    for (let i = 0; i < 3; i++) limiter.take('key_noisy', threePerMinute, 0);
    assert.ok(limiter.take('key_noisy', threePerMinute, 0) > 0);
    assert.equal(limiter.take('key_quiet', threePerMinute, 0), 0);
  });

  it('refills no further than the rate after a quiet spell', () => {
    const limiter = new KeyRateLimiter();
    limiter.take('key_a', threePerMinute, 0);
    for (let i = 0; i < 3; i++) assert.equal(limiter.take('key_a', threePerMinute, 3_600_000), 0);
    assert.ok(limiter.take('key_a', threePerMinute, 3_600_000) > 0);
  });

  it('reads rates per second, minute and hour, and refuses anything else', () => {
    assert.deepEqual(parseRate('100/s'), { count: 100, periodMs: 1_000 });
    assert.deepEqual(parseRate('5000/h'), { count: 5000, periodMs: 3_600_000 });
    for (const text of ['0/s', '10/d', '1.5/s', '/s', '10', ' 10/s', '10/S'])
      assert.equal(parseRate(text), undefined, text);
  });
});
