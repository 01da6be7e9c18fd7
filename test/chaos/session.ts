// The stack and a database handle for the checks, shared by every scenario of a run.
import { mkdtempSync, rmSync } from 'node:fs';
import mongoose, { type Connection } from 'mongoose';
import os from 'node:os';
import path from 'node:path';
import { ChaosCluster } from './cluster';

export const CHAOS_API_KEY = 'chaos-api-key-0123456789';

export interface ChaosSession {
  cluster: ChaosCluster;
  db: Connection;
  dir: string;
  close(opts: { keepFiles: boolean }): Promise<void>;
}

export async function openSession(): Promise<ChaosSession> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-chaos-'));
  const cluster = new ChaosCluster({ dir, apiKey: CHAOS_API_KEY, webhookTimeoutMs: 5_000 });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
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
      await cluster.stop();
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}
