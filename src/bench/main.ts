// `npm run bench [-- out.json]`: Hookway next to bare Temporal and the bare database, in one
// run on one machine. See docs/benchmarks.md for what each figure means.
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { formatCodecKeys, generateCodecKey, type CodecKey } from '../domain/codec-keys';
import { connectClient } from '../temporal/connect';
import { EncryptionCodec } from '../temporal/payload-codec';
import type { BenchContext, BenchOptions } from './context';
import { cpuMeter, runCost, type TemporalLoad } from './cpu';
import { commandsBetween, readDbCommands } from './db-commands';
import { readTemporalCounters, type TemporalCounters } from './temporal-metrics';
import { runFloor, runFloorStartedLikeJourney, runJourneys } from './flows';
import { GatewayClient } from './gateway-client';
import { runBroadcast } from './broadcast';
import { runDataGrowth } from './data-growth';
import { runIngestion } from './ingestion';
import { PARKED_CAMPAIGN, PARKED_TRIGGER, runParked } from './parked';
import { BenchReceiver } from './receiver';
import { cpuTable, machine, markdownTable, rows, START_SHAPE_PHASE, textTable, type BenchResults } from './report';
import { freePort } from '../embedded/free-port';
import { startBenchStack, startBenchProcess, type BenchStack, type NodeProcess } from './stack';

const TASK_QUEUE = 'hookway-bench';
const FLOOR_TASK_QUEUE = 'bench-floor';
const API_KEY = 'bench-api-key-0123456789';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** Optional phases; the floor and the journey figure always run, as the others' reference. */
const PHASES = ['start-shape', 'fanout', 'ingestion', 'scale', 'parked', 'broadcast', 'data-growth'] as const;
type Phase = (typeof PHASES)[number];
/** A broadcast to thousands and a million events take far longer than the default budget: run only when asked for. */
const DEFAULT_PHASES = PHASES.filter((p) => p !== 'data-growth' && p !== 'broadcast');

function phaseList(value: string): Phase[] {
  const list = value
    .split(',')
    .map((p) => p.trim())
    // The floor and journeys always run; naming them asks for no optional phase.
    .filter((p) => p && p !== 'floor' && p !== 'journeys');
  const unknown = list.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')}; choose from ${PHASES.join(', ')}`);
  return list as Phase[];
}

function parseArguments(): { out: string; phases: Set<Phase>; options: BenchOptions } {
  const program = new Command('bench')
    .description('Hookway next to bare Temporal and the bare database, measured in the same run')
    .argument('[out]', 'where to write the figures as JSON (a .md with the table goes beside it)', 'bench-result.json')
    .option('--journeys <n>', 'journeys (and floor workflows) per measured run', positive, 300)
    .option('--concurrency <n>', 'runs in flight at once, the same for the floor and Hookway', positive, 20)
    .option('--singles <n>', 'single event POSTs (at concurrency 50)', positive, 2_000)
    .option('--batches <n>', 'batches of 500 events', positive, 10)
    .option(
      '--parked <n>',
      'journeys parked in a 30-day delay (up to 20,000; the default is what parks within the phase bound)',
      positive,
      1_000,
    )
    .option('--fanout-events <n>', 'events in each fan-out run', positive, 40)
    .option(
      '--broadcast-profiles <n>',
      'profiles the broadcast phase creates; a quarter match its audience',
      positive,
      20_000,
    )
    .option('--phase-seconds <n>', 'upper bound of any one measured run', positive, 45)
    .option(
      '--budget-seconds <n>',
      'time budget of the whole run: runs shrink and phases are skipped to keep it',
      positive,
      480,
    )
    .option(
      '--data-events <n>',
      'events loaded (over a tenth as many users) by the data-growth phase',
      positive,
      1_000_000,
    )
    .option(
      '--phases <list>',
      `which phases to run, comma-separated: ${PHASES.join(',')} (default all but broadcast and data-growth)`,
      phaseList,
      DEFAULT_PHASES,
    )
    .option('--cpu-prof <dir>', 'write V8 CPU profiles of the gateway and workers there')
    .addOption(
      new Option('--temporal-server <kind>', 'dev: the dev server on SQLite; postgres: the production server')
        .choices(['dev', 'postgres'])
        .default('dev'),
    )
    .parse();
  const o = program.opts();
  return {
    out: path.resolve(program.args[0] ?? 'bench-result.json'),
    phases: new Set(o.phases as Phase[]),
    options: {
      journeys: o.journeys,
      concurrency: o.concurrency,
      singles: o.singles,
      batches: o.batches,
      parked: Math.min(o.parked, 20_000),
      fanoutEvents: o.fanoutEvents,
      broadcastProfiles: o.broadcastProfiles,
      dataEvents: o.dataEvents,
      phaseMs: o.phaseSeconds * 1000,
      budgetMs: o.budgetSeconds * 1000,
      cpuProfileDir: o.cpuProf ? path.resolve(o.cpuProf) : undefined,
      temporalServer: o.temporalServer,
    },
  };
}

/** Workflow runs a phase made: journeys or floor workflows started, or journeys parked. */
function runsOf(result: object): number | undefined {
  const { started, parked } = result as { started?: unknown; parked?: unknown };
  const runs = typeof started === 'number' ? started : typeof parked === 'number' ? parked : undefined;
  return runs && runs > 0 ? runs : undefined;
}

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The processes the benchmark starts, by name, and how to stop them all (newest first). */
interface Launcher {
  start(name: string, script: string, readyText: string, env?: Record<string, string>): Promise<NodeProcess>;
  stopAll(): Promise<void>;
  pids: Map<string, number | undefined>;
}

function benchEnv(
  stack: BenchStack,
  dir: string,
  ports: { gateway: number; workerMetrics: number },
  codecKeys: CodecKey[],
): Record<string, string> {
  return {
    HOOKWAY_CODEC_KEYS: formatCodecKeys(codecKeys),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongoUri,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    HOOKWAY_API_KEY: API_KEY,
    HOOKWAY_DATA_DIR: dir,
    HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
    PORT: String(ports.gateway),
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    LOG_LEVEL: 'info',
    BENCH_FLOOR_TASK_QUEUE: FLOOR_TASK_QUEUE,
    // The broadcast measures how fast users can be entered, not the pace a fan-out keeps by default.
    HOOKWAY_FANOUT_ENTRIES_PER_SECOND: '1000',
  };
}

function launcher(
  stack: BenchStack,
  receiver: BenchReceiver,
  env: Record<string, string>,
  dir: string,
  cpuProfileDir: string | undefined,
): Launcher {
  const processes: NodeProcess[] = [];
  const pids = new Map<string, number | undefined>(stack.services.map((s) => [s.name, s.child.pid]));
  const dist = path.resolve(__dirname, '..');
  return {
    pids,
    async start(name, script, readyText, extraEnv = {}) {
      const p = await startBenchProcess({
        name,
        script: path.join(dist, script),
        env: { ...env, ...extraEnv },
        dir,
        readyText,
        cpuProfileDir,
      });
      processes.push(p);
      pids.set(name, p.pid);
      return p;
    },
    async stopAll() {
      for (const p of processes.reverse()) await p.stop();
      await receiver.close();
      if (stack.metricsUrl) {
        const metrics = await fetch(stack.metricsUrl)
          .then((r) => r.text())
          .catch(() => '');
        writeFileSync(path.join(dir, 'temporal-metrics.txt'), metrics);
      }
      for (const s of [...stack.services].reverse()) await s.stop();
    },
  };
}

const FAN10 = Array.from({ length: 10 }, (_, i) => `bench-fan10-${i}`);

async function createBenchCampaigns(ctx: BenchContext): Promise<void> {
  const url = ctx.receiver.url;
  await ctx.gateway.createWebhookCampaign('bench-journey', 'bench_journey', url);
  await ctx.gateway.createWebhookCampaign('bench-fan1', 'bench_fan1', url);
  for (const id of FAN10) await ctx.gateway.createWebhookCampaign(id, 'bench_fan10', url);
  await ctx.gateway.createWebhookCampaign(PARKED_CAMPAIGN, PARKED_TRIGGER, url, '30d');
}

/** Temporal's database writes per run during a phase, and their mean time. */
function temporalLoad(before: TemporalCounters, after: TemporalCounters, runs: number | undefined): TemporalLoad {
  const writes = after.stateWrites - before.stateWrites;
  return {
    ...(runs && { writesPerRun: Math.round((writes / runs) * 10) / 10 }),
    meanWriteMs: Math.round(((after.stateWriteSeconds - before.stateWriteSeconds) * 1000 * 10) / writes) / 10,
  };
}

/**
 * Runs one phase, metering every process's CPU, the database commands of the gateway and worker,
 * and Temporal's database writes while it runs.
 */
function phaseRunner(ctx: BenchContext, results: BenchResults) {
  return async <T extends object>(name: string, run: () => Promise<T>): Promise<T> => {
    log(`${name}…`);
    const meter = cpuMeter(ctx.pids);
    const started = performance.now();
    const before = await readTemporalCounters(ctx.stack.metricsUrl);
    const commandsBefore = await readDbCommands(ctx.metricsUrls);
    const result = await run();
    results.cpu[name] = meter();
    const seconds = (performance.now() - started) / 1000;
    const after = await readTemporalCounters(ctx.stack.metricsUrl);
    const commandsAfter = await readDbCommands(ctx.metricsUrls);
    const runs = runsOf(result);
    if (before && after && after.stateWrites > before.stateWrites)
      results.temporal[name] = temporalLoad(before, after, runs);
    if (runs) {
      const commands =
        commandsBefore !== undefined && commandsAfter !== undefined
          ? commandsBetween(commandsBefore, commandsAfter)
          : undefined;
      results.perRun[name] = runCost(results.cpu[name], seconds, runs, commands);
    }
    log(`${name}: ${JSON.stringify(result)}`);
    return result;
  };
}

async function runPhases(ctx: BenchContext, phases: Set<Phase>): Promise<BenchResults> {
  const results: BenchResults = { cpu: {}, temporal: {}, perRun: {}, skipped: [] };
  const phase = phaseRunner(ctx, results);
  const journeyRun = (run: string) => runJourneys(ctx, { run, trigger: 'bench_journey', campaigns: ['bench-journey'] });
  const hasTime = (name: Phase) => {
    if (ctx.deadline - performance.now() > 60_000) return phases.has(name);
    if (phases.has(name)) results.skipped.push(name);
    return false;
  };
  await phase('warm-up', async () => {
    await runFloor(ctx, 'warm', 20);
    return runJourneys(ctx, { run: 'warm', trigger: 'bench_journey', campaigns: ['bench-journey'], count: 20 });
  });
  results.floor = await phase('floor', () => runFloor(ctx, 'main'));
  results.journeys = await phase('journeys', () => journeyRun('j1'));
  if (hasTime('start-shape')) await phase(START_SHAPE_PHASE, () => runFloorStartedLikeJourney(ctx, 'like'));
  if (hasTime('fanout')) {
    const concurrency = Math.max(1, Math.round(ctx.options.concurrency / 10));
    const fanout = (run: string, trigger: string, campaigns: string[]) =>
      runJourneys(ctx, { run, trigger, campaigns, count: ctx.options.fanoutEvents, concurrency });
    results.fanout1 = await phase('fan-out 1', () => fanout('f1', 'bench_fan1', ['bench-fan1']));
    results.fanout10 = await phase('fan-out 10', () => fanout('f10', 'bench_fan10', FAN10));
  }
  if (hasTime('ingestion')) results.ingestion = await phase('ingestion', () => runIngestion(ctx));
  if (hasTime('parked')) {
    results.parked = await phase('parking', () => runParked(ctx));
    results.journeysWithParked = await phase('journeys with parked', () => journeyRun('j3'));
  }
  // Last, having no goal of its own; with parked journeys present it is compared with the run next to them.
  if (hasTime('scale')) {
    const second = await ctx.startWorker('worker-2');
    results.twoWorkers = await phase('2 workers', () => journeyRun('j2'));
    await second.stop();
    ctx.pids.delete('worker-2');
  }
  if (phases.has('broadcast'))
    results.broadcast = await phase('broadcast', () => runBroadcast(ctx, ctx.options.broadcastProfiles));
  if (hasTime('data-growth'))
    results.dataGrowth = await phase('data growth', () => runDataGrowth(ctx, ctx.options.dataEvents, log));
  return results;
}

function writeReport(out: string, options: BenchOptions, results: BenchResults): void {
  const table = rows(results);
  const { cpu, temporal, skipped } = results;
  const md = [
    `Run of ${new Date().toISOString()} on ${machine().cpus}, ${machine().memoryGiB} GiB, load average ${machine().loadAverage.join(' ')} at the end; Temporal: ${options.temporalServer === 'postgres' ? 'the server on PostgreSQL' : 'the dev server'}.`,
    '',
    markdownTable(table),
    ...(skipped.length > 0 ? ['', `Skipped for the time budget: ${skipped.join(', ')}.`] : []),
    '',
    'CPU per process during each phase (100% = one core):',
    '',
    cpuTable(cpu, temporal),
    '',
  ].join('\n');
  writeFileSync(out, `${JSON.stringify({ machine: machine(), options, results, table }, null, 2)}\n`);
  writeFileSync(out.replace(/\.json$/, '') + '.md', md);
  console.log(`\n${textTable(table)}\n\n${cpuTable(cpu, temporal)}\n`);
}

async function main(): Promise<void> {
  const { out, phases, options } = parseArguments();
  // Stopping everything takes up to half a minute on a busy machine.
  const deadline = performance.now() + options.budgetMs - 30_000;
  const dir = path.resolve('.data', 'bench', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  log(`stack in ${dir}`);
  const stack = await startBenchStack(dir, options.temporalServer);
  const receiver = await BenchReceiver.start();
  const port = await freePort();
  const workerMetrics = await freePort();
  // Measured as it runs in production: every payload encrypted.
  const codecKeys = [generateCodecKey()];
  const run = launcher(
    stack,
    receiver,
    benchEnv(stack, dir, { gateway: port, workerMetrics }, codecKeys),
    dir,
    options.cpuProfileDir,
  );
  // Ctrl-C stops what the benchmark started, so no server is left behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void run.stopAll().finally(() => process.exit(130)));
  try {
    log('starting the worker, the gateway and the floor worker');
    await Promise.all([
      run.start('worker', 'worker-main.js', 'worker running'),
      run.start('gateway', 'gateway-main.js', 'gateway listening'),
      run.start('floor-worker', 'bench/floor/worker-main.js', 'floor worker running'),
    ]);
    const ctx: BenchContext = {
      options,
      stack,
      receiver,
      gateway: new GatewayClient(`http://127.0.0.1:${port}`, API_KEY),
      temporal: await connectClient(stack.temporalAddress, 'default', new EncryptionCodec(codecKeys)),
      mongo: await mongoose.createConnection(stack.mongoUri).asPromise(),
      floorTaskQueue: FLOOR_TASK_QUEUE,
      deadline,
      pids: run.pids,
      // Further workers serve no metrics: the first one's port is taken.
      startWorker: (name) => run.start(name, 'worker-main.js', 'worker running', { WORKER_METRICS_PORT: '0' }),
      metricsUrls: [`http://127.0.0.1:${port}/metrics`, `http://127.0.0.1:${workerMetrics}/metrics`],
    };
    await createBenchCampaigns(ctx);
    const results = await runPhases(ctx, phases);
    if (results.skipped.length > 0) log(`skipped for the time budget: ${results.skipped.join(', ')}`);
    writeReport(out, options, results);
    log(`figures in ${out}; markdown rows in ${out.replace(/\.json$/, '')}.md; logs in ${dir}/logs`);
    ctx.gateway.close();
    await ctx.temporal.connection.close();
    await ctx.mongo.close();
  } finally {
    await run.stopAll();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
