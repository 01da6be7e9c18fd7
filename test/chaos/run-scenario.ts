// One scenario: a campaign of its own, paced events, the fault part-way through, then the
// invariants, polled until they hold or the time allowed runs out.
import type { Connection } from 'mongoose';
import type { ChaosCluster } from './cluster';
import { EventDriver } from './event-driver';
import { FlakyReceiver } from './flaky-receiver';
import { checkInvariants, lost, settled, webhookTally, type Invariants } from './invariants';
import type { Scenario } from './scenarios';

export interface ScenarioPlan {
  journeys: number;
  /** Events are spread over this long, so the fault lands while they arrive. */
  loadMs: number;
  outageMs: number;
  /** How long the stack has, after the fault, to settle. */
  recoverTimeoutMs: number;
  concurrency: number;
}

export interface ScenarioResult extends Invariants {
  scenario: string;
  title: string;
  eventsSent: number;
  eventsAcknowledged: number;
  lost: number;
  /** Answers to event posts, by status ("0": none). */
  eventStatuses: Record<string, number>;
  /** Why posts answered "0" got no answer: "timeout" or a socket error code. */
  noAnswer: Record<string, number>;
  /** How long the fault lasted, restart included. */
  faultSeconds: number;
  /** From the end of the fault and of the load until every invariant held; undefined if they never did in time. */
  recoverSeconds?: number;
  /** From the end of the fault (the client may still be sending) until every invariant held: the settling time. */
  settleSeconds?: number;
  settled: boolean;
  /** Anything that broke a guarantee: an unexpected status, a crashed process. */
  violations: string[];
}

const STEPS = ['first', 'second'];
/** The fault starts once this share of the events was sent. */
const FAULT_AT = 0.3;
const POLL_MS = 500;
const RESEND = { rounds: 30, pauseMs: 1_000, concurrency: 8 };
// The shortest schedule a destination takes, 20 retries a second apart: a flapping receiver
// (more than half its answers fail) is reached within the run.
const RETRY_DELAYS: string[] = Array(20).fill('1s');

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function campaignFor(id: string, destination: string, event: string) {
  const webhook = (step: string) => ({
    id: step,
    type: 'webhook',
    request: { destination, path: `/${step}`, body: { user: '{{user.id}}', step } },
  });
  return {
    id,
    name: `Chaos ${id}`,
    trigger: { event },
    steps: [webhook(STEPS[0]), { id: 'pause', type: 'delay', duration: '2s' }, webhook(STEPS[1])],
  };
}

export interface ScenarioRun {
  cluster: ChaosCluster;
  db: Connection;
  apiKey: string;
  scenario: Scenario;
  plan: ScenarioPlan;
  runId: string;
  log?: (line: string) => void;
}

/** The scenario's own destination (at the flaky receiver) and active campaign; returns the trigger's name. */
async function createCampaign(driver: EventDriver, scenario: Scenario, prefix: string, url: string): Promise<string> {
  await driver.admin('POST', '/v1/destinations', {
    id: prefix,
    name: prefix,
    url,
    timeoutMs: scenario.timeoutMs,
    retryDelays: RETRY_DELAYS,
    breaker: { failureThreshold: 1_000 },
  });
  const eventName = `chaos_${scenario.name.replace(/-/g, '_')}`;
  await driver.admin('POST', '/v1/campaigns', campaignFor(prefix, prefix, eventName));
  await driver.admin('POST', `/v1/campaigns/${prefix}/activate`);
  return eventName;
}

/** Paces the events, injects the fault once FAULT_AT of them were sent, and resends what was not acknowledged. */
async function driveWithFault(
  opts: ScenarioRun,
  driver: EventDriver,
  events: Array<{ id: string; userId: string; name: string }>,
  log: (line: string) => void,
): Promise<{ started: number; ended: number }> {
  const { scenario, plan } = opts;
  let reached!: () => void;
  const faultDue = new Promise<void>((resolve) => (reached = resolve));
  const fault = faultDue.then(async () => {
    const started = Date.now();
    log(`${scenario.name}: fault`);
    await scenario.inject(opts.cluster, plan.outageMs);
    log(`${scenario.name}: fault over`);
    return { started, ended: Date.now() };
  });
  await driver.drive(events, {
    concurrency: plan.concurrency,
    intervalMs: plan.loadMs / plan.journeys,
    onProgress: (share) => void (share >= FAULT_AT && reached()),
  });
  const faultTimes = await fault;
  await driver.resendUnacknowledged(RESEND);
  return faultTimes;
}

/** Polls the invariants until they hold or `deadline` passes; settledAt is when they first held. */
async function awaitInvariants(
  db: Connection,
  prefix: string,
  driver: EventDriver,
  receiver: FlakyReceiver,
  deadline: number,
): Promise<{ invariants: Invariants; settledAt?: number }> {
  const users = driver.acknowledged().map((e) => e.userId);
  for (;;) {
    // The database is read only once the receiver has every webhook, so polling does not
    // compete with the stack for a busy machine's CPU.
    const tally = webhookTally(receiver, users, STEPS);
    if (tally.delivered < tally.expected && Date.now() <= deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    const invariants = await checkInvariants(db, prefix, STEPS, driver.acknowledged(), receiver);
    if (settled(invariants)) return { invariants, settledAt: Date.now() };
    if (Date.now() > deadline) return { invariants };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Answers the scenario does not allow, and processes that crashed since it began. */
function violationsOf(scenario: Scenario, driver: EventDriver, crashes: string[]): string[] {
  const allowed = new Set(scenario.allowedStatuses.map(String));
  return [
    ...Object.entries(driver.statusCounts())
      .filter(([status]) => !allowed.has(status))
      .map(([status, n]) => `${n} event post(s) answered ${status}`),
    ...crashes,
  ];
}

export async function runScenario(opts: ScenarioRun): Promise<ScenarioResult> {
  const { cluster, db, scenario, plan } = opts;
  const log = opts.log ?? (() => undefined);
  const prefix = `${scenario.name}-${opts.runId}`;
  const crashesBefore = cluster.crashes.length;
  const receiver = await FlakyReceiver.start(scenario.flap);
  try {
    const driver = new EventDriver(cluster.gatewayUrl, opts.apiKey);
    const eventName = await createCampaign(driver, scenario, prefix, receiver.url);
    const events = Array.from({ length: plan.journeys }, (_, i) => ({
      id: `${prefix}-e${i}`,
      userId: `${prefix}-u${i}`,
      name: eventName,
    }));
    const faultTimes = await driveWithFault(opts, driver, events, log);
    // Recovery is timed from when both the fault and the load are over.
    const quietFrom = Date.now();
    log(
      `${scenario.name}: ${driver.acknowledged().length}/${events.length} events acknowledged; waiting for the stack to settle`,
    );
    const { invariants, settledAt } = await awaitInvariants(
      db,
      prefix,
      driver,
      receiver,
      quietFrom + plan.recoverTimeoutMs,
    );
    return {
      scenario: scenario.name,
      title: scenario.title,
      eventsSent: events.length,
      eventsAcknowledged: driver.acknowledged().length,
      ...invariants,
      lost: lost(invariants),
      eventStatuses: driver.statusCounts(),
      noAnswer: driver.noAnswerCauses(),
      faultSeconds: seconds(faultTimes.ended - faultTimes.started),
      recoverSeconds: settledAt === undefined ? undefined : seconds(settledAt - quietFrom),
      settleSeconds: settledAt === undefined ? undefined : seconds(settledAt - faultTimes.ended),
      settled: settledAt !== undefined,
      violations: violationsOf(scenario, driver, cluster.crashes.slice(crashesBefore)),
    };
  } finally {
    await receiver.close();
  }
}
