import { DB_COMMANDS_METRIC } from '../metrics/db-commands';

/** Commands counted, by "<command> <collection>" (e.g. "find profiles"). */
export type CommandCounts = Record<string, number>;

const LABELS = /command="([^"]*)",collection="([^"]*)"/;

/**
 * Database commands the gateway and workers have sent so far, summed over their /metrics, by
 * command and collection; undefined if one is unreadable.
 */
export async function readDbCommands(metricsUrls: string[]): Promise<CommandCounts | undefined> {
  const counts: CommandCounts = {};
  for (const url of metricsUrls) {
    const text = await fetch(url)
      .then((r) => r.text())
      .catch(() => undefined);
    if (text === undefined) return undefined;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${DB_COMMANDS_METRIC}{`)) continue;
      const [, command, collection] = LABELS.exec(line) ?? [];
      const key = `${command ?? '?'} ${collection ?? ''}`.trim();
      counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return counts;
}

/** What was sent between two readings, by command and collection, most first. */
export function commandsBetween(before: CommandCounts, after: CommandCounts): CommandCounts {
  const sent = Object.entries(after)
    .map(([key, n]): [string, number] => [key, n - (before[key] ?? 0)])
    .filter(([, n]) => n > 0);
  return Object.fromEntries(sent.sort((a, b) => b[1] - a[1]));
}
