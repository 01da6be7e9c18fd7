// `npm run chaos`: the long form. Every scenario against one real embedded stack, a few
// hundred journeys each; stops by itself and writes chaos-report.json and chaos-report.md.
//   npm run chaos -- --journeys 300 --recover-minutes 10 --out .data/chaos --scenario worker-kill
import path from 'node:path';
import { parseArgs } from 'node:util';
import { markdownTable, writeReport } from './report';
import { runScenario, type ScenarioResult } from './run-scenario';
import { SCENARIOS } from './scenarios';
import { CHAOS_API_KEY, openSession } from './session';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      journeys: { type: 'string', default: '300' },
      'recover-minutes': { type: 'string', default: '10' },
      out: { type: 'string', default: path.join('.data', 'chaos') },
      scenario: { type: 'string', multiple: true },
    },
  });
  const journeys = Number(values.journeys);
  if (!Number.isInteger(journeys) || journeys < 1 || journeys > 2_000)
    throw new Error('--journeys must be a whole number from 1 to 2000');
  const recoverMinutes = Number(values['recover-minutes']);
  if (!(recoverMinutes > 0 && recoverMinutes <= 60))
    throw new Error('--recover-minutes must be a number above 0, at most 60');
  const chosen = values.scenario ? SCENARIOS.filter((s) => values.scenario!.includes(s.name)) : SCENARIOS;
  if (chosen.length === 0) throw new Error(`--scenario must name one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);

  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const startedAt = new Date().toISOString();
  log('starting FerretDB, Temporal, the worker and the gateway');
  const session = await openSession();
  // Ctrl-C stops the stack's processes too.
  process.once('SIGINT', () => void session.close({ keepFiles: true }).finally(() => process.exit(130)));
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of chosen) {
      if (scenario.needsSmallDisk && session.cluster.diskUnavailable) {
        log(`${scenario.name}: left out: ${session.cluster.diskUnavailable}`);
        continue;
      }
      const plan = {
        journeys,
        loadMs: journeys * 120,
        outageMs: 12_000,
        recoverTimeoutMs: recoverMinutes * 60_000,
        concurrency: 8,
      };
      results.push(
        await runScenario({
          cluster: session.cluster,
          db: session.db,
          apiKey: CHAOS_API_KEY,
          scenario,
          plan,
          runId: Date.now().toString(36),
          log,
        }),
      );
      log(`${scenario.name}: ${JSON.stringify(results.at(-1))}`);
    }
  } finally {
    await session.close({ keepFiles: results.some((r) => !r.settled || r.violations.length > 0) });
  }
  const files = writeReport(values.out!, {
    startedAt,
    finishedAt: new Date().toISOString(),
    journeysPerScenario: journeys,
    results,
  });
  console.log(`\n${markdownTable(results)}\n\nwritten to ${files.json} and ${files.markdown}`);
  const failed = results.filter((r) => !r.settled || r.lost > 0 || r.duplicateJourneys > 0 || r.violations.length > 0);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
