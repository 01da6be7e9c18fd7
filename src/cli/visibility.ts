// Journey statuses as operators type them; the queries themselves are in src/temporal/journey-queries.ts.
import { InvalidArgumentError } from 'commander';

/** The operator's words for Temporal's ExecutionStatus values. */
const STATUSES: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  canceled: 'Canceled',
  terminated: 'Terminated',
  'continued-as-new': 'ContinuedAsNew',
  'timed-out': 'TimedOut',
};

export const STATUS_CHOICES = Object.keys(STATUSES).filter((s) => s !== 'canceled');

export function parseStatus(text: string): string {
  const status = STATUSES[text.toLowerCase()];
  if (!status) throw new InvalidArgumentError(`must be one of ${STATUS_CHOICES.join(', ')}`);
  return status;
}
