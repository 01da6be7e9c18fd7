/**
 * Events this gateway is handing off from their request right now. The outbox sweep takes
 * events older than its interval that still owe routes; a batch's hand-off can outlast that
 * interval, and the sweep would hand those events off a second time (harmless, as a journey
 * ignores an event it has seen, but each costs Temporal calls), so it leaves these alone.
 */
export class HandOffsUnderWay {
  private readonly ids = new Set<string>();

  /** Marks `ids` under way until `work` settles, however it ends. */
  during<T>(ids: string[], work: Promise<T>): Promise<T> {
    for (const id of ids) this.ids.add(id);
    return work.finally(() => {
      for (const id of ids) this.ids.delete(id);
    });
  }

  list(): string[] {
    return [...this.ids];
  }
}
