// The stack and a database handle for the checks, shared by every scenario of a run.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import mongoose, { type Connection } from 'mongoose';
import os from 'node:os';
import path from 'node:path';
import { ChaosCluster } from './cluster';
import { SmallDisk } from './small-disk';

export const CHAOS_API_KEY = 'chaos-api-key-0123456789';
/** The data folder's disk: room for the long form's databases and logs (a tmpfs holds only what is written). */
const DATA_DISK_MB = 2_048;

export interface ChaosSession {
  cluster: ChaosCluster;
  db: Connection;
  dir: string;
  close(opts: { keepFiles: boolean }): Promise<void>;
}

export async function openSession(): Promise<ChaosSession> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-chaos-'));
  const dataDir = path.join(dir, 'data');
  const disk = await SmallDisk.mount(dataDir, DATA_DISK_MB);
  const cluster = new ChaosCluster({ dir, dataDir, disk, apiKey: CHAOS_API_KEY, webhookTimeoutMs: 5_000 });
  const release = async (keepFiles: boolean) => {
    await cluster.stop();
    if (!(disk instanceof SmallDisk)) return;
    // The logs would go with the tmpfs.
    if (keepFiles) cpSync(path.join(dataDir, 'logs'), path.join(dir, 'logs'), { recursive: true });
    await disk.unmount();
  };
  try {
    await cluster.start();
  } catch (err) {
    await release(true);
    throw err;
  }
  const db = mongoose.createConnection(cluster.mongoUri, { serverSelectionTimeoutMS: 5_000 });
  await db.asPromise();
  return {
    cluster,
    db,
    dir,
    async close({ keepFiles }) {
      await db.close();
      await release(keepFiles);
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}
