import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testActivities } from './activities';
import { Worker } from '@temporalio/worker';
import { journeyStart } from '../../src/temporal/journeys';
import type { Repositories } from '../../src/db/connection';
import { campaignSchema, type Campaign } from '../../src/domain/campaign';
import type { JourneyEvent } from '../../src/domain/event';
import { TOOL_PATHS } from '../../src/embedded/tools';
import { addSearchAttributes } from '../../src/temporal/connect';
import { journey } from '../../workflows';
import { Receiver } from './receiver';
import { stack, testRepositories, uniqueId } from './stack';
import { WORKFLOW_SANDBOX_OPTIONS } from '../../src/worker';

/** Temporal's time-skipping test server with a journey worker whose activities use the real FerretDB. */
export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  repositories: Repositories;
  taskQueue: string;
  /** Runs `fn` with a journey worker polling (a worker runs only once, so each call gets its own). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Starts a journey of this campaign for the user, triggered by `trigger`. */
  startJourney(
    campaign: Campaign,
    userId: string,
    trigger?: Partial<JourneyEvent>,
  ): ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>;
  teardown(): Promise<void>;
}

export function event(userId: string, name: string, properties: JourneyEvent['properties'] = {}): JourneyEvent {
  return { id: uniqueId('evt'), name, userId, timestamp: new Date().toISOString(), properties };
}

export function campaign(definition: unknown): Campaign {
  return campaignSchema.parse(definition);
}

export async function startTimeSkipping(): Promise<TimeSkipping> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TOOL_PATHS.temporalTestServer } },
  });
  // Journeys set custom search attributes; this server knows them only once they are added.
  await addSearchAttributes(env.client, 'default');
  const taskQueue = uniqueId('skip');
  const repositories = await testRepositories(taskQueue);
  const activities = testActivities(repositories);
  return {
    env,
    repositories,
    taskQueue,
    async run(fn) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: stack().workflowBundle,
        ...WORKFLOW_SANDBOX_OPTIONS,
        activities,
      });
      return worker.runUntil(fn);
    },
    startJourney(definition, userId, trigger = {}) {
      const started = { ...event(userId, definition.trigger.event), ...trigger };
      return env.client.workflow.start(journey, {
        taskQueue,
        workflowId: uniqueId('journey'),
        ...journeyStart(definition, started),
      });
    },
    async teardown() {
      await repositories.connection.close();
      await env.teardown();
    },
  };
}

/**
 * Registers the hooks of a time-skipping suite: one server and one receiver for the suite,
 * the receiver emptied and answering 200 before each test. Read them from the returned object.
 */
export function timeSkippingSuite(): { ts: TimeSkipping; receiver: Receiver } {
  const suite = {} as { ts: TimeSkipping; receiver: Receiver };
  before(async function () {
    this.timeout(120_000);
    suite.ts = await startTimeSkipping();
    suite.receiver = await Receiver.start();
  });
  after(async function () {
    await suite.ts?.teardown();
    await suite.receiver?.close();
  });
  beforeEach(function () {
    suite.receiver.requests.length = 0;
    suite.receiver.answerWith({ status: 200 });
  });
  return suite;
}
