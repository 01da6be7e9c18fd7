/**
 * A value read from the database that may be reused for `maxAgeMs` after it was read (0: read
 * every time). Reads that ask at once share one command, so a burst of journeys costs one read.
 */
export class RecentRead<T> {
  private last?: { value: T; at: number };
  private reading?: Promise<T>;

  constructor(
    private readonly read: () => Promise<T>,
    public maxAgeMs = 0,
  ) {}

  async get(): Promise<T> {
    if (this.last && performance.now() - this.last.at < this.maxAgeMs) return this.last.value;
    if (this.maxAgeMs === 0) return this.read();
    this.reading ??= this.readNow().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Reads now, whatever the age of the last read; later get() calls reuse it. */
  async readNow(): Promise<T> {
    const at = performance.now();
    const value = await this.read();
    // A slower read begun earlier must not replace what a later one found.
    if (!this.last || at >= this.last.at) this.last = { value, at };
    return value;
  }
}
