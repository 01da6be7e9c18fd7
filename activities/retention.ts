import type { EventRepository } from '../src/db/events';
import type { Logger } from '../src/logger';

export function createRetentionActivities(deps: { events: EventRepository; logger: Logger }) {
  return {
    /** Deletes events older than the horizon, measured from now (a retry measures again). */
    async purgeOldEvents(input: { retentionMs: number }): Promise<{ deleted: number }> {
      const before = new Date(Date.now() - input.retentionMs);
      const deleted = await deps.events.purgeOlderThan(before);
      deps.logger.info({ deleted, before }, 'purged old events');
      return { deleted };
    },
  };
}
