import { DB_COMMANDS_METRIC } from '../metrics/db-commands';

/** Database commands the gateway and workers have sent so far, summed over their /metrics; undefined if one is unreadable. */
export async function readDbCommands(metricsUrls: string[]): Promise<number | undefined> {
  let total = 0;
  for (const url of metricsUrls) {
    const text = await fetch(url)
      .then((r) => r.text())
      .catch(() => undefined);
    if (text === undefined) return undefined;
    for (const line of text.split('\n'))
      if (line.startsWith(`${DB_COMMANDS_METRIC}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
