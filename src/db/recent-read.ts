/**
 * A value read from the database that may be reused for `maxAgeMs` after it was read (0: read
 * every time), or read fresh (see fresh()). Reads that ask at once share one command, so a
 * burst of journeys costs one read.
 */
export class RecentRead<T> {
  private last?: { value: T; at: number };
  /** The read sent last, until it ends. */
  private inFlight?: Promise<T>;
  /** A read waiting for `inFlight` to end, not yet sent: callers arriving now join it. */
  private queued?: Promise<T>;

  constructor(
    private readonly read: () => Promise<T>,
    public maxAgeMs = 0,
  ) {}

  async get(): Promise<T> {
    if (this.last && performance.now() - this.last.at < this.maxAgeMs) return this.last.value;
    if (this.maxAgeMs === 0) return this.read();
    // Any read will do here, even one sent before this call.
    return this.inFlight ?? this.fresh();
  }

  /**
   * A value read by a command sent after this call began, so a change that landed before the
   * call is seen (what a time-based cache cannot promise). Callers share reads all the same:
   * one joins the read queued and not yet sent; while a read sent before it is in flight, it
   * queues one to be sent when that one ends, which later callers join until it is sent. So
   * at most one read is in flight and one queued, however many callers ask at once.
   */
  async fresh(): Promise<T> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.send();
    const settle = () => undefined;
    this.queued = this.inFlight.then(settle, settle).then(() => {
      this.queued = undefined;
      return this.send();
    });
    return this.queued;
  }

  /** Sends a read; get() reuses its value for `maxAgeMs` from when it was sent. */
  private send(): Promise<T> {
    const at = performance.now();
    const reading = this.read()
      .then((value) => {
        // Reads are sent one after another, so this is the latest.
        this.last = { value, at };
        return value;
      })
      .finally(() => (this.inFlight = undefined));
    this.inFlight = reading;
    return reading;
  }
}
