import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { requireTool } from './tools';

/** The CLI's names for the search attribute types. */
export const SEARCH_ATTRIBUTE_TYPE = { KEYWORD: 'Keyword' } as const;

/** The real Temporal server (the official CLI's dev server) with a SQLite file and, unless headless, the Web UI. */
export function startTemporalDevServer(opts: {
  dbFile: string;
  port: number;
  uiPort?: number;
  /** The gateway's codec endpoint, where the Web UI decodes the encrypted payloads it shows. */
  uiCodecEndpoint?: string;
  metricsPort?: number;
  logFile: string;
}): Promise<ServiceProcess> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    'default',
    '--db-filename',
    opts.dbFile,
    // WAL lets readers and the writer work at once; the file stays durable across restarts.
    '--sqlite-pragma',
    'journal_mode=WAL',
    // With WAL, NORMAL syncs at checkpoints instead of every commit: a crash of the server or
    // the process loses nothing and cannot corrupt the file; only a power cut may lose the
    // last commits. The benchmark showed the dev server waiting on fsync, not on CPU.
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--log-level',
    'warn',
    // The UI's newsfeed would send the cluster's id to temporal.io from the operator's browser.
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
    ...(opts.uiPort && opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    // Prometheus /metrics: service latencies and persistence (SQLite) latencies, for benchmarks.
    ...(opts.metricsPort ? ['--metrics-port', String(opts.metricsPort)] : []),
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${SEARCH_ATTRIBUTE_TYPE[a.type]}`]),
  ];
  return startServiceProcess({
    name: 'temporal',
    command: requireTool('temporal'),
    args,
    port: opts.port,
    logFile: opts.logFile,
  });
}

/** FerretDB: the MongoDB wire protocol on SQLite files in dataDir. */
export function startFerretDb(opts: { dataDir: string; port: number; logFile: string }): Promise<ServiceProcess> {
  const args = ['--listen', `127.0.0.1:${opts.port}`, '--data-dir', path.resolve(opts.dataDir)];
  return startServiceProcess({
    name: 'ferretdb',
    command: requireTool('ferretdb'),
    args,
    port: opts.port,
    logFile: opts.logFile,
  });
}
