// A workflow whose every activation keeps the sandbox busy for a while, so that a freeze of the
// worker process lands inside one (test only).
import { sleep } from '@temporalio/workflow';

export async function spin(rounds: number): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 5_000; i++) await Promise.resolve();
    await sleep(20);
  }
  return rounds;
}
