import os from 'node:os';
import { CACHED_JOURNEYS } from '../worker';
import type { CpuShare, RunCost, TemporalLoad } from './cpu';
import type { GrowthResult } from './data-growth';
import type { FlowResult } from './flows';
import type { IngestionResult } from './ingestion';
import type { ParkedResult } from './parked';
import type { BroadcastResult } from './broadcast';

/** Each phase's figures; a phase left out with --phases has none. */
/** The phase that starts floor workflows the way the gateway starts journeys. */
export const START_SHAPE_PHASE = 'floor started like a journey';

export interface BenchResults {
  floor?: FlowResult;
  journeys?: FlowResult;
  fanout1?: FlowResult;
  fanout10?: FlowResult;
  ingestion?: IngestionResult;
  twoWorkers?: FlowResult;
  journeysWithParked?: FlowResult;
  parked?: ParkedResult;
  dataGrowth?: GrowthResult;
  broadcast?: BroadcastResult;
  cpu: Record<string, CpuShare>;
  temporal: Record<string, TemporalLoad>;
  /** Per phase that made runs: CPU ms per process and database commands, per run. */
  perRun: Record<string, RunCost>;
  /** Phases asked for but left out because the time budget ran out. */
  skipped: string[];
}

export interface Row {
  figure: string;
  hookway: string;
  floor: string;
  ratio: string;
  goal: string;
  met: 'yes' | 'no' | '-';
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);
const lat = (f: FlowResult) => `${f.latency.p50} / ${f.latency.p95} / ${f.latency.p99} ms`;
const met = (ok: boolean): Row['met'] => (ok ? 'yes' : 'no');

const perEvent = (f: FlowResult) => Math.round(f.ms / Math.max(1, f.started));

function journeyRows(floor: FlowResult, journeys: FlowResult): Row[] {
  const jRatio = ratio(journeys.perSecond, floor.perSecond);
  return [
    {
      figure: 'journeys/s (1 worker)',
      hookway: `${journeys.perSecond}`,
      floor: `${floor.perSecond} wf/s`,
      ratio: `${jRatio}`,
      goal: '≥ 0.6 × floor (aim 0.8)',
      met: met(jRatio >= 0.6),
    },
    {
      figure: 'journey latency p50/p95/p99',
      hookway: lat(journeys),
      floor: lat(floor),
      ratio: `+${journeys.latency.p50 - floor.latency.p50} ms p50`,
      goal: 'p50 ≤ floor + 300 ms',
      met: met(journeys.latency.p50 <= floor.latency.p50 + 300),
    },
  ];
}

const sumOf = (cost: RunCost) => Math.round(Object.values(cost.cpuMs).reduce((a, b) => a + b, 0) * 10) / 10;

/**
 * What one journey costs next to one floor workflow: CPU per process (ms per run) and database
 * commands; Temporal's also next to a floor workflow started like a journey, when that ran.
 */
function costRows(floor: RunCost, journeys: RunCost, startShape?: RunCost): Row[] {
  const cpuRow = (figure: string, mine: number, theirs: number, bound?: number): Row => {
    const r = ratio(mine, theirs);
    return {
      figure,
      hookway: `${mine} ms`,
      floor: `${theirs} ms`,
      ratio: `${r} ×`,
      goal: bound === undefined ? '-' : `≤ ${bound} × floor`,
      met: bound === undefined ? '-' : met(r <= bound),
    };
  };
  const commands = journeys.dbCommands;
  return [
    cpuRow(
      'worker CPU per journey (floor: per workflow)',
      journeys.cpuMs.worker ?? NaN,
      floor.cpuMs['floor-worker'] ?? NaN,
      2,
    ),
    cpuRow('Temporal CPU per journey', journeys.cpuMs.temporal ?? NaN, floor.cpuMs.temporal ?? NaN, 1.2),
    ...(startShape
      ? [
          cpuRow(
            'Temporal CPU per journey (floor: started like a journey)',
            journeys.cpuMs.temporal ?? NaN,
            startShape.cpuMs.temporal ?? NaN,
          ),
        ]
      : []),
    cpuRow('all processes CPU per journey', sumOf(journeys), sumOf(floor)),
    ...(['gateway', 'ferretdb'] as const).map((name): Row => ({
      figure: `${name} CPU per journey`,
      hookway: `${journeys.cpuMs[name] ?? NaN} ms`,
      floor: '-',
      ratio: '-',
      goal: '-',
      met: '-',
    })),
    {
      figure: 'database commands per journey (gateway + worker)',
      hookway: commands === undefined ? 'unread' : `${commands}`,
      floor: '0',
      ratio: '-',
      goal: '≤ 12',
      met: met(commands !== undefined && commands <= 12),
    },
  ];
}

function broadcastRows(b: BroadcastResult, floor: FlowResult): Row[] {
  const entered = ratio(b.enteredPerSecond, floor.perSecond);
  const sent = ratio(b.webhooksPerSecond, floor.perSecond);
  const span = ({ start, peak, end }: BroadcastResult['memory']['worker']) => `${start} → ${peak} → ${end}`;
  return [
    {
      figure: `broadcast: users entered/s (${b.started} of ${b.audience} matching, ${b.profiles} profiles)`,
      hookway: `${b.enteredPerSecond} (${(b.enterMs / 1000).toFixed(1)} s)`,
      floor: `${floor.perSecond} wf/s`,
      ratio: `${entered}`,
      goal: '≥ 0.5 × floor',
      met: met(b.started >= b.audience && entered >= 0.5),
    },
    {
      figure: `broadcast: webhooks/s, event → last webhook (${b.webhooks} of ${b.audience})`,
      hookway: `${b.webhooksPerSecond} (${(b.lastWebhookMs / 1000).toFixed(1)} s)`,
      floor: `${floor.perSecond} wf/s`,
      ratio: `${sent}`,
      goal: '≥ 0.5 × floor',
      met: met(b.webhooks >= b.audience && sent >= 0.5),
    },
    {
      figure: 'broadcast: RSS MiB start → peak → end (gateway / worker / FerretDB)',
      hookway: [b.memory.gateway, b.memory.worker, b.memory.ferretdb].map(span).join(' / '),
      floor: '-',
      ratio: '-',
      goal: 'flat',
      met: '-',
    },
  ];
}

function ingestionRows(ing: IngestionResult): Row[] {
  const singles = ratio(ing.singles.perSecond, ing.singlesFloor.perSecond);
  const batches = ratio(ing.batches.perSecond, ing.batchesFloor.perSecond);
  return [
    {
      figure: 'single event POSTs (c=50), req/s',
      hookway: `${ing.singles.perSecond}`,
      floor: `${ing.singlesFloor.perSecond} (driver)`,
      ratio: `${singles}`,
      goal: '≥ 0.6 × floor',
      met: met(singles >= 0.6),
    },
    {
      figure: 'single event POST p99',
      hookway: `${ing.singles.latency.p99} ms`,
      floor: `${ing.singlesFloor.latency.p99} ms`,
      ratio: `${ratio(ing.singles.latency.p99, ing.singlesFloor.latency.p99)}`,
      goal: '-',
      met: '-',
    },
    {
      figure: 'batched events (500/POST), events/s',
      hookway: `${ing.batches.perSecond}`,
      floor: `${ing.batchesFloor.perSecond} (driver)`,
      ratio: `${batches}`,
      goal: '≥ 0.6 × floor and ≥ 2,000/s',
      met: met(batches >= 0.6 && ing.batches.perSecond >= 2000),
    },
    ...(['singles', 'batches'] as const).map((run): Row => ({
      figure: `${run}: histories caught up after the last answer; events/s until then`,
      hookway: `${ing[run].historiesCaughtUpMs} ms; ${ing[run].sustainedPerSecond}/s`,
      floor: '-',
      ratio: '-',
      goal: '-',
      met: '-',
    })),
    {
      figure: 'Temporal start/signal calls for non-matching events',
      hookway: `${ing.temporalCalls} (${ing.temporalWorkflowsStarted} workflows)`,
      floor: '0',
      ratio: '-',
      goal: '0',
      met: met(ing.temporalCalls === 0 && ing.temporalWorkflowsStarted === 0),
    },
  ];
}

function parkedRows(parked: ParkedResult, journeys: FlowResult, withParked: FlowResult): Row[] {
  const { rssBefore, rssAfter } = parked;
  const perJourneyKiB =
    parked.parked > 0 && rssAfter.worker !== undefined && rssBefore.worker !== undefined
      ? Math.round(((rssAfter.worker - rssBefore.worker) * 1024) / parked.parked)
      : NaN;
  // Parked journeys beyond the worker's cache are evicted, so memory stops growing there.
  const workerAt20k = (rssBefore.worker ?? NaN) + (perJourneyKiB * Math.min(20_000, CACHED_JOURNEYS)) / 1024;
  const slowdown = ratio(withParked.latency.p50, journeys.latency.p50);
  const rate = ratio(withParked.perSecond, journeys.perSecond);
  return [
    {
      figure: `parked journeys created (of ${parked.requested})`,
      hookway: `${parked.parked} in ${(parked.createMs / 1000).toFixed(1)} s (${parked.perSecond}/s)`,
      floor: '-',
      ratio: '-',
      goal: 'all parked',
      met: met(parked.parked >= parked.requested),
    },
    {
      figure: 'worker / gateway RSS, before → after parking',
      hookway: `${rssBefore.worker} → ${rssAfter.worker} / ${rssBefore.gateway} → ${rssAfter.gateway} MiB`,
      floor: '-',
      ratio: `${perJourneyKiB} KiB/journey`,
      goal: 'worker < 1 GiB at 20,000',
      met: met(workerAt20k < 1024),
    },
    {
      figure: 'new-journey latency with parked',
      hookway: lat(withParked),
      floor: `${lat(journeys)} (none parked)`,
      ratio: `${slowdown}`,
      goal: 'p50 ≤ 1.1 × without',
      met: met(slowdown <= 1.1),
    },
    {
      figure: 'journeys/s with parked',
      hookway: `${withParked.perSecond}`,
      floor: `${journeys.perSecond} (none parked)`,
      ratio: `${rate}`,
      goal: '≥ 0.9 × without',
      met: met(rate >= 0.9),
    },
  ];
}

function fanoutRows(one: FlowResult, ten: FlowResult): Row[] {
  const cost = ratio(perEvent(ten), perEvent(one));
  return [
    {
      figure: 'fan-out: time per event, 10 campaigns vs 1',
      hookway: `${perEvent(ten)} ms`,
      floor: `${perEvent(one)} ms (1 campaign)`,
      ratio: `${cost}`,
      goal: '≤ 10',
      met: met(cost <= 10),
    },
    {
      figure: 'fan-out latency to the last webhook',
      hookway: lat(ten),
      floor: `${lat(one)} (1 campaign)`,
      ratio: '-',
      goal: '-',
      met: '-',
    },
  ];
}

/** Each figure at the large size beside the same at 10,000 events; the goal is within 1.2 × (1 / 1.2 for rates). */
function growthRows({ small, large }: GrowthResult): Row[] {
  const at = `at ${large.events.toLocaleString('en')} events / ${large.users.toLocaleString('en')} users`;
  const base = (text: string) => `${text} (${small.events.toLocaleString('en')} events)`;
  const row = (figure: string, big: number, little: number, unit: string, lowerIsBetter = true): Row => {
    const r = ratio(big, little);
    return {
      figure: `${figure} ${at}`,
      hookway: `${big}${unit}`,
      floor: base(`${little}${unit}`),
      ratio: `${r}`,
      goal: lowerIsBetter ? '≤ 1.2 ×' : '≥ 1 / 1.2 ×',
      met: met(lowerIsBetter ? r <= 1.2 : r >= 1 / 1.2),
    };
  };
  const preview = (p: GrowthResult['large']['preview']) => `${p.count}${p.exact ? ' exact' : ` ± ${p.margin}`}`;
  return [
    row('behavioural-audience journeys/s', large.journeys.perSecond, small.journeys.perSecond, '', false),
    row('behavioural-audience journey p50', large.journeys.latency.p50, small.journeys.latency.p50, ' ms'),
    row('GET /v1/users/:id p50', large.userViewP50, small.userViewP50, ' ms'),
    row('segment preview', large.previewMs, small.previewMs, ' ms'),
    row('FerretDB CPU per journey', large.dbCpuMsPerJourney, small.dbCpuMsPerJourney, ' ms'),
    {
      figure: `segment preview count ${at}`,
      hookway: preview(large.preview),
      floor: base(preview(small.preview)),
      ratio: '-',
      goal: '-',
      met: '-',
    },
    {
      figure: 'data load (driver insertMany + one history append per user)',
      hookway: `${Math.round(large.loadMs / 1000)} s`,
      floor: base(`${Math.round(small.loadMs / 1000)} s`),
      ratio: '-',
      goal: '-',
      met: '-',
    },
  ];
}

/** The table's rows for whichever phases ran. */
export function rows(r: BenchResults): Row[] {
  const { floor, journeys } = r;
  // The scale run follows the parked phase when both ran, so its reference is the run beside the parked journeys.
  const oneWorker = r.journeysWithParked ?? journeys;
  return [
    ...(floor && journeys ? journeyRows(floor, journeys) : []),
    ...(r.perRun.floor && r.perRun.journeys
      ? costRows(r.perRun.floor, r.perRun.journeys, r.perRun[START_SHAPE_PHASE])
      : []),
    ...(r.ingestion ? ingestionRows(r.ingestion) : []),
    ...(r.parked && journeys && r.journeysWithParked ? parkedRows(r.parked, journeys, r.journeysWithParked) : []),
    ...(r.fanout1 && r.fanout10 ? fanoutRows(r.fanout1, r.fanout10) : []),
    ...(r.twoWorkers && oneWorker
      ? [
          {
            figure: 'journeys/s with 2 workers',
            hookway: `${r.twoWorkers.perSecond}`,
            floor: `${oneWorker.perSecond} (1 worker)`,
            ratio: `${ratio(r.twoWorkers.perSecond, oneWorker.perSecond)}`,
            goal: '-',
            met: '-' as const,
          },
        ]
      : []),
    ...(r.broadcast && floor ? broadcastRows(r.broadcast, floor) : []),
    ...(r.dataGrowth ? growthRows(r.dataGrowth) : []),
  ];
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function textTable(list: Row[]): string {
  const header: Row = { figure: 'figure', hookway: 'Hookway', floor: 'floor', ratio: 'ratio', goal: 'goal', met: '-' };
  const all = [header, ...list];
  const keys = ['figure', 'hookway', 'floor', 'ratio', 'goal', 'met'] as const;
  const widths = keys.map((k) => Math.max(...all.map((row) => row[k].length)));
  const line = (row: Row) => keys.map((k, i) => row[k].padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...list.map(line)].join('\n');
}

export function markdownTable(list: Row[]): string {
  return [
    '| figure | Hookway | floor (same run) | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...list.map((r) => `| ${r.figure} | ${r.hookway} | ${r.floor} | ${r.ratio} | ${r.goal} | ${r.met} |`),
  ].join('\n');
}

/** CPU per process (100% = one core) and Temporal's database writes, per phase. */
export function cpuTable(cpu: Record<string, CpuShare>, temporal: Record<string, TemporalLoad>): string {
  const names = [...new Set(Object.values(cpu).flatMap((share) => Object.keys(share)))];
  const load = (phase: string) => `${temporal[phase]?.writesPerRun ?? '-'} | ${temporal[phase]?.meanWriteMs ?? '-'}`;
  return [
    `| phase | ${names.join(' | ')} | Temporal writes/run | mean write ms |`,
    `|---|${names.map(() => '---').join('|')}|---|---|`,
    ...Object.entries(cpu).map(
      ([phase, share]) =>
        `| ${phase} | ${names.map((n) => (share[n] === undefined ? '-' : `${share[n]}%`)).join(' | ')} | ${load(phase)} |`,
    ),
  ].join('\n');
}
