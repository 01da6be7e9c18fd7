// The figures docs/reliability.md quotes: a JSON file with everything, a markdown table with the essentials.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioResult } from './run-scenario';

export interface ChaosReport {
  startedAt: string;
  finishedAt: string;
  journeysPerScenario: number;
  results: ScenarioResult[];
}

export function markdownTable(results: ScenarioResult[]): string {
  const header =
    '| Scenario | Journeys | Events acknowledged | Lost | Duplicate journeys | Webhooks delivered | Raw duplicate deliveries | Settled after the fault | Time to recover (after the load) | Violations |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const rows = results.map((r) =>
    [
      r.scenario,
      r.journeys,
      `${r.eventsAcknowledged} / ${r.eventsSent}`,
      r.lost,
      r.duplicateJourneys,
      `${r.webhooksDelivered} / ${r.webhooksExpected}`,
      r.rawDuplicates,
      r.settleSeconds === undefined ? 'did not settle' : `${r.settleSeconds} s`,
      r.recoverSeconds === undefined ? 'did not settle' : `${r.recoverSeconds} s`,
      r.violations.length === 0 ? 'none' : r.violations.join('; '),
    ].join(' | '),
  );
  return [header, rule, ...rows.map((row) => `| ${row} |`)].join('\n');
}

export function writeReport(dir: string, report: ChaosReport): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'chaos-report.json');
  const markdown = path.join(dir, 'chaos-report.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    markdown,
    `# Chaos run ${report.startedAt}\n\n${report.journeysPerScenario} journeys per scenario.\n\n${markdownTable(report.results)}\n`,
  );
  return { json, markdown };
}
