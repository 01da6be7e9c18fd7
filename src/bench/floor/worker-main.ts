// The floor's worker process: SDK defaults, its own task queue (BENCH_FLOOR_TASK_QUEUE).
import { NativeConnection, Worker } from '@temporalio/worker';
import { codecKeysSchema } from '../../domain/codec-keys';
import { EncryptionCodec } from '../../temporal/payload-codec';
import { createFloorActivities } from './activities';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BENCH_FLOOR_TASK_QUEUE ?? 'bench-floor',
    workflowsPath: require.resolve('./workflow'),
    activities: createFloorActivities(),
    // The benchmark's client encrypts what it starts, so the floor pays for the codec too.
    dataConverter: { payloadCodecs: [new EncryptionCodec(codecKeysSchema.parse(process.env.HOOKWAY_CODEC_KEYS))] },
  });
  process.once('SIGTERM', () => worker.shutdown());
  console.log('floor worker running');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(`floor worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
