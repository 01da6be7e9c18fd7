import assert from 'node:assert/strict';
import { restartWaitMs } from '../../src/embedded/database-watch';

describe("npm start's watch on its FerretDB", () => {
  it('waits the configured time before the first restart, twice as long after each restart no good read followed, up to 10 minutes', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 20].map((unanswered) => restartWaitMs(30_000, unanswered)),
      [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000],
    );
  });
});
