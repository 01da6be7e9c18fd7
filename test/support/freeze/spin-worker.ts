// A worker process for the freeze test: the spin workflow in Hookway's workflow sandbox settings.
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKFLOW_SANDBOX_OPTIONS } from '../../../src/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    workflowsPath: require.resolve('./spin-workflow'),
    ...WORKFLOW_SANDBOX_OPTIONS,
  });
  console.log('spin worker running');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
