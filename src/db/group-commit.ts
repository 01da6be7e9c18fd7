/**
 * Writes what is handed over within a short while together (a group commit): each item waits
 * at most its own patience for others to share one write, and one group is written at a time.
 * Every database command costs the caller and the database CPU, which bounds how many journeys
 * a machine runs; a few milliseconds' wait where nothing waits for the write is the cheaper price.
 */

/** What writing a group gives: once it resolves the next group may be written; `results` (one per item) may come later. */
export interface GroupWritten<R> {
  results: Promise<R[]>;
}

interface Waiting<T, R> {
  item: T;
  due: number;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T, R> {
  private queue: Array<Waiting<T, R>> = [];
  /** The group being written. */
  private inWrite: Array<Waiting<T, R>> = [];
  private writing = false;
  private timer?: { at: number; handle: NodeJS.Timeout };

  constructor(private readonly writeGroup: (items: T[]) => Promise<GroupWritten<R>>) {}

  /** Hands `item` over; resolves with its result once its group was written. */
  add(item: T, patienceMs: number): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, due: Date.now() + patienceMs, resolve, reject });
      this.schedule();
    });
  }

  /** The items handed over whose group is not written yet. */
  waiting(): T[] {
    return [...this.inWrite, ...this.queue].map((w) => w.item);
  }

  /** Writes the queue when its first item is due; one group at a time. */
  private schedule(): void {
    if (this.writing || this.queue.length === 0) return;
    const due = this.queue.reduce((first, w) => Math.min(first, w.due), Infinity);
    if (this.timer && this.timer.at <= due) return;
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = { at: due, handle: setTimeout(() => void this.write(), Math.max(0, due - Date.now())) };
  }

  private async write(): Promise<void> {
    this.timer = undefined;
    this.writing = true;
    const taken = this.queue.splice(0);
    this.inWrite = taken;
    try {
      const { results } = await this.writeGroup(taken.map((w) => w.item));
      void results.then(
        (each) => taken.forEach((w, i) => w.resolve(each[i])),
        (err: unknown) => taken.forEach((w) => w.reject(err)),
      );
    } catch (err) {
      for (const w of taken) w.reject(err);
    }
    this.inWrite = [];
    this.writing = false;
    this.schedule();
  }
}
