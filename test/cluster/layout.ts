// The production process layout of docker-compose.yml on one machine, without Docker: a real
// Temporal server on PostgreSQL, FerretDB standing in for MongoDB, and two gateways and two
// workers, each a process of its own started as compose starts it (TEMPORAL_ADDRESS and
// MONGODB_URI set, so nothing is embedded).
import path from 'node:path';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { startFerretDb } from '../../src/embedded/services';
import { READY_TEXT, startNodeProcess } from '../../src/embedded/node-process';
import { freePort } from '../../src/embedded/free-port';
import { API_KEY, TEST_CODEC_KEYS } from '../support/stack';
import { startPostgres } from '../../src/embedded/postgres';
import { startTemporalServer, type TemporalServer } from '../../src/embedded/temporal-server';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

const DIST_SRC = path.join(__dirname, '..', '..', 'src');
export const TASK_QUEUE = 'hookway';
const REPLICAS = 2;

type Role = 'gateway' | 'worker';

export class ProductionLayout {
  temporal!: TemporalServer;
  mongoUri!: string;
  private postgres?: ServiceProcess;
  private ferretdb?: ServiceProcess;
  private ferretdbPort = 0;
  private temporalProcess?: ServiceProcess;
  private readonly nodes = new Map<string, ServiceProcess>();
  private gatewayPorts: number[] = [];

  constructor(readonly dir: string) {}

  /** The gateways' URLs, as a load balancer in front of them would know them. */
  get gatewayUrls(): string[] {
    return this.gatewayPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  async start(): Promise<void> {
    const postgresPort = await freePort();
    this.ferretdbPort = await freePort();
    const postgres = startPostgres({
      dataDir: path.join(this.dir, 'postgresql'),
      port: postgresPort,
      user: 'temporal',
      logFile: this.log('postgresql'),
    });
    await this.startDatabase();
    this.postgres = await postgres;
    this.mongoUri = ferretDbUri(this.ferretdbPort);
    this.temporal = await startTemporalServer({ dir: this.dir, postgresPort, logFile: this.log('temporal-server') });
    this.temporalProcess = this.temporal.process;
    for (let i = 0; i < REPLICAS; i++) this.gatewayPorts.push(await freePort());
    for (let i = 0; i < REPLICAS; i++) await this.startNode('worker', i);
    for (let i = 0; i < REPLICAS; i++) await this.startNode('gateway', i);
  }

  private log(name: string): string {
    return path.join(this.dir, `${name}.log`);
  }

  /** What docker-compose.yml sets, plus what loopback receivers and port sharing on one machine need. */
  private env(role: Role, index: number): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      MONGODB_URI: this.mongoUri,
      HOOKWAY_API_KEY: API_KEY,
      // One key for every process, as a deployment sets it: each encrypts what the others decrypt.
      HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
      HOST: '127.0.0.1',
      ...(role === 'gateway' && { PORT: String(this.gatewayPorts[index]) }),
      WORKER_METRICS_PORT: '0',
      HOOKWAY_DATA_DIR: path.join(this.dir, `${role}-${index}`),
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
      HOOKWAY_CAMPAIGN_REFRESH_MS: '1000',
      LOG_LEVEL: 'info',
    };
  }

  async startNode(role: Role, index: number): Promise<void> {
    const name = `${role}-${index}`;
    const script = path.join(DIST_SRC, `${role}-main.js`);
    this.nodes.set(
      name,
      await startNodeProcess({
        name,
        script,
        env: this.env(role, index),
        logFile: this.log(name),
        readyText: READY_TEXT[role],
      }),
    );
  }

  /** SIGKILL, as a crashed machine or an OOM kill would end it. */
  async killNode(role: Role, index: number): Promise<void> {
    const node = this.nodes.get(`${role}-${index}`);
    this.nodes.delete(`${role}-${index}`);
    node?.child.kill('SIGKILL');
    await node?.exited;
  }

  /** The process id of a running node: Temporal records it in each worker's identity (pid@host). */
  pid(role: Role, index: number): number | undefined {
    return this.nodes.get(`${role}-${index}`)?.child.pid;
  }

  /** A clean stop of the Temporal server (all four services), as for a server upgrade. */
  async stopTemporal(): Promise<void> {
    await this.temporalProcess?.stop();
    this.temporalProcess = undefined;
  }

  /** The Temporal server again, on the same database and ports. */
  async startTemporal(): Promise<void> {
    this.temporalProcess = await this.temporal.restart();
  }

  /** The database every gateway and worker uses (FerretDB for MongoDB), on the same data and port. */
  async startDatabase(): Promise<void> {
    this.ferretdb = await startFerretDb({
      dataDir: path.join(this.dir, 'ferretdb'),
      port: this.ferretdbPort,
      logFile: this.log('ferretdb'),
    });
  }

  /** SIGKILL to the database, as a crashed database host would go. */
  async killDatabase(): Promise<void> {
    const ferretdb = this.ferretdb;
    this.ferretdb = undefined;
    ferretdb?.child.kill('SIGKILL');
    await ferretdb?.exited;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes.values()) await node.stop();
    this.nodes.clear();
    await this.temporalProcess?.stop();
    await this.ferretdb?.stop();
    await this.postgres?.stop();
  }
}
