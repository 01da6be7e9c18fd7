// A real Temporal server, the Go module's own build pinned by scripts/setup-cluster.sh, on
// PostgreSQL for persistence and for (advanced) visibility: the schema applied by the same
// module's SQL tool, the namespace and Hookway's search attributes added through the operator
// service with the Temporal CLI, as docs/production.md tells operators to.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { SEARCH_ATTRIBUTE_TYPE } from './services';
import { requireTool } from './tools';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { freePort } from './free-port';

const run = promisify(execFile);
const SQL_USER = 'temporal';
const HISTORY_SHARDS = 4;
const NAMESPACE_RETENTION = '72h';
/** The server's own system workflows and the frontend take a while on a busy two-core box. */
const READY_TIMEOUT_MS = 180_000;

const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
];

/** temporal-sql-tool (the module's cmd/tools/sql): creates each database and brings its schema to the latest version. */
async function applySchema(postgresPort: number): Promise<void> {
  const sql = requireTool('temporalSql');
  for (const db of DATABASES) {
    const common = [
      '--plugin',
      'postgres12',
      '--ep',
      '127.0.0.1',
      '-p',
      String(postgresPort),
      '-u',
      SQL_USER,
      '--db',
      db.name,
    ];
    await run(sql, [...common, 'create-database']);
    await run(sql, [...common, 'setup-schema', '-v', '0.0']);
    await run(sql, [...common, 'update-schema', '--schema-name', db.schema]);
  }
}

type ServiceName = 'frontend' | 'history' | 'matching' | 'worker';

async function serverConfig(postgresPort: number, frontendPort: number, metricsPort: number) {
  const services: Record<string, unknown> = {};
  for (const name of ['frontend', 'history', 'matching', 'worker'] satisfies ServiceName[]) {
    const rpc = {
      grpcPort: name === 'frontend' ? frontendPort : await freePort(),
      membershipPort: await freePort(),
      bindOnLocalHost: true,
    };
    services[name] = { rpc: name === 'frontend' ? { ...rpc, httpPort: await freePort() } : rpc };
  }
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${postgresPort}`,
      connectProtocol: 'tcp',
      user: SQL_USER,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore('temporal', 20),
        'postgres-visibility': datastore('temporal_visibility', 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${metricsPort}` },
      },
    },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${frontendPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
}

/** `temporal …` (the CLI) against the server, retried while the server is still starting. */
async function operator(address: string, args: string[], deadline: number): Promise<void> {
  for (;;) {
    try {
      await run(requireTool('temporal'), [...args, '--address', address]);
      return;
    } catch (err) {
      // A try whose answer was lost may have done the work already.
      if (/already (exists|registered)/i.test((err as { stderr?: string }).stderr ?? '')) return;
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

export interface TemporalServer {
  process: ServiceProcess;
  address: string;
  metricsUrl: string;
  /** Starts the server again on the same database and ports, as after a crash. */
  restart(): Promise<ServiceProcess>;
}

/** Applies the schema, starts all four services in one process, and registers the namespace and search attributes. */
export async function startTemporalServer(opts: {
  dir: string;
  postgresPort: number;
  logFile: string;
}): Promise<TemporalServer> {
  await applySchema(opts.postgresPort);
  const [frontendPort, metricsPort] = [await freePort(), await freePort()];
  const configDir = path.join(opts.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    path.join(configDir, 'production.yaml'),
    stringify(await serverConfig(opts.postgresPort, frontendPort, metricsPort)),
  );
  const start = () =>
    startServiceProcess({
      name: 'temporal-server',
      command: requireTool('temporalServer'),
      args: ['--root', opts.dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
      port: frontendPort,
      logFile: opts.logFile,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  const process = await start();
  const address = `127.0.0.1:${frontendPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  await operator(
    address,
    ['operator', 'namespace', 'create', '--namespace', 'default', '--retention', NAMESPACE_RETENTION],
    deadline,
  );
  // The CLI takes several names but one type per command.
  for (const type of new Set(SEARCH_ATTRIBUTES.map((a) => a.type))) {
    const names = SEARCH_ATTRIBUTES.filter((a) => a.type === type).flatMap((a) => ['--name', a.name]);
    const args = ['operator', 'search-attribute', 'create', '--namespace', 'default', ...names];
    await operator(address, [...args, '--type', SEARCH_ATTRIBUTE_TYPE[type]], deadline);
  }
  return { process, address, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, restart: start };
}
