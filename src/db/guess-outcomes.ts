/** Recent outcomes that decide whether guessing still pays (GuessOutcomes). */
const GUESSES_KEPT = 50;

/**
 * Whether guessing that something does not exist yet (and writing it without reading first)
 * has paid lately. A wrong guess costs a write that loses before the read it meant to save;
 * how often guesses land depends on the traffic, so the last GUESSES_KEPT outcomes decide,
 * those of reads included (whether a guess would have landed), and a process whose traffic
 * changes turns back.
 */
export class GuessOutcomes {
  private readonly lost: boolean[] = [];
  private lostCount = 0;

  /** `bearable`: the share of recent guesses that may have lost, as a wrong guess costs more than a right one saves. */
  constructor(private readonly bearable = 0.5) {}

  record(lost: boolean): void {
    this.lost.push(lost);
    if (lost) this.lostCount++;
    if (this.lost.length > GUESSES_KEPT && this.lost.shift()) this.lostCount--;
  }

  /** Unless more recent guesses lost than is bearable (a process that has not guessed yet guesses). */
  worthGuessing(): boolean {
    return this.lostCount <= this.bearable * this.lost.length;
  }
}
