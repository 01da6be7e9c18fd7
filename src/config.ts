// All configuration is read and validated here, once. Other modules take a Config.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { rateSchema } from './domain/access-key';
import { codecKeysSchema, formatCodecKeys, generateCodecKey, type CodecKey } from './domain/codec-keys';
import { parseDuration } from './domain/duration';
import { ferretDbUri } from './embedded/ferretdb-uri';

const port = z.coerce.number().int().min(1).max(65535);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('hookway'),
  MONGODB_URI: z.string().optional(),
  HOOKWAY_DATA_DIR: z.string().min(1).default('.data'),
  HOOKWAY_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The Temporal Web UI the studio links journeys to; the embedded one's when Hookway starts it. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
  FERRETDB_PORT: port.default(27017),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOOKWAY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  HOOKWAY_CAMPAIGN_REFRESH_MS: z.coerce.number().int().min(100).default(5_000),
  HOOKWAY_OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).default(2_000),
  HOOKWAY_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  HOOKWAY_ALLOWED_CIDRS: z.string().default(''),
  HOOKWAY_WEBHOOK_PROXY: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// proxy URL' }).optional(),
  HOOKWAY_FANOUT_ENTRIES_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(50),
  HOOKWAY_SECRET_GRACE: z
    .string()
    .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 24h')
    .default('24h'),
  HOOKWAY_EVENT_RETENTION: z
    .string()
    .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 90d')
    .default('90d'),
  HOOKWAY_FERRETDB_RESTART_AFTER: z
    .string()
    .refine((text) => (parseDuration(text) ?? Infinity) <= 3_600_000, 'must be a duration from 1s to 1h, such as 30s')
    .default('30s'),
  HOOKWAY_INGEST_RATE: rateSchema.default('100/s'),
  HOOKWAY_CODEC_KEYS: codecKeysSchema.optional(),
  HOOKWAY_CODEC_CORS_ORIGINS: z.string().optional(),
  HOOKWAY_CODEC_UI_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,}$/, 'must be at least 32 letters, digits, "-" or "_"')
    .optional(),
});

export interface Config {
  /** Set when Hookway uses an existing Temporal cluster; undefined means "start the embedded dev server". */
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  /** Set when Hookway uses an existing MongoDB; undefined means "start the embedded FerretDB". */
  mongoUri?: string;
  dataDir: string;
  apiKey?: string;
  port: number;
  /** Interface the gateway listens on; 0.0.0.0 in a container. */
  host: string;
  /** Where a worker serves Prometheus /metrics (on `host`); 0 turns it off. */
  workerMetricsPort: number;
  embedded: {
    temporalPort: number;
    temporalUiPort: number;
    ferretdbPort: number;
    /** `npm start` restarts its FerretDB once a read by _id has failed or hung for this long. */
    ferretdbRestartAfterMs: number;
  };
  /** Where the Temporal Web UI answers, for the studio's links; unset: no links. */
  temporalUiUrl?: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  webhookTimeoutMs: number;
  campaignRefreshMs: number;
  outboxSweepMs: number;
  /**
   * Which webhook targets may be reached: private, loopback and link-local addresses are refused
   * unless allowed here; and the explicit proxy webhooks go through, if any.
   */
  network: { allowPrivate: boolean; allowedCidrs: string[]; proxy?: string };
  /** How long a rotated-out signing secret keeps signing beside the new one. */
  secretGraceMs: number;
  /** How many users a fan-out (API trigger, entity event, schedule) enters per second unless it asks otherwise. */
  fanOutEntriesPerSecond: number;
  /** Events older than this are purged by a daily schedule (FerretDB has no TTL index). */
  eventRetentionMs: number;
  /** Default ingestion rate per access key, such as 100/s; a key may carry its own. */
  ingestRate: string;
  /** Encrypt Temporal payloads; unset means the ones `npm start` keeps in the data dir. */
  codecKeys?: CodecKey[];
  /** Web UI origins that may call the gateway's codec endpoint; by default the embedded UI's. */
  codecCorsOrigins: string[];
  /** Serves the codec without a key at /codec/ui/<this>, for a Web UI that sends none; `npm start` makes one per start. */
  codecUiSecret?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", so that FOO= falls back to the default.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    mongoUri: e.MONGODB_URI,
    dataDir: path.resolve(e.HOOKWAY_DATA_DIR),
    apiKey: e.HOOKWAY_API_KEY,
    port: e.PORT,
    host: e.HOST,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    embedded: {
      temporalPort: e.TEMPORAL_PORT,
      temporalUiPort: e.TEMPORAL_UI_PORT,
      ferretdbPort: e.FERRETDB_PORT,
      ferretdbRestartAfterMs: parseDuration(e.HOOKWAY_FERRETDB_RESTART_AFTER)!,
    },
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    webhookTimeoutMs: e.HOOKWAY_WEBHOOK_TIMEOUT_MS,
    campaignRefreshMs: e.HOOKWAY_CAMPAIGN_REFRESH_MS,
    outboxSweepMs: e.HOOKWAY_OUTBOX_SWEEP_MS,
    network: {
      allowPrivate: e.HOOKWAY_ALLOW_PRIVATE_NETWORKS === 'true',
      allowedCidrs: e.HOOKWAY_ALLOWED_CIDRS.split(',')
        .map((c) => c.trim())
        .filter(Boolean),
      proxy: e.HOOKWAY_WEBHOOK_PROXY,
    },
    secretGraceMs: parseDuration(e.HOOKWAY_SECRET_GRACE)!,
    fanOutEntriesPerSecond: e.HOOKWAY_FANOUT_ENTRIES_PER_SECOND,
    eventRetentionMs: parseDuration(e.HOOKWAY_EVENT_RETENTION)!,
    ingestRate: e.HOOKWAY_INGEST_RATE,
    codecKeys: e.HOOKWAY_CODEC_KEYS,
    codecCorsOrigins: (
      e.HOOKWAY_CODEC_CORS_ORIGINS ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT},http://localhost:${e.TEMPORAL_UI_PORT}`
    )
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    codecUiSecret: e.HOOKWAY_CODEC_UI_SECRET,
  };
}

/** A secret kept in the data folder (readable by its owner only), generated on first use. */
function keptSecret(config: Config, name: string, generate: () => string): string {
  const file = path.join(config.dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = generate();
  try {
    // Exclusive: of two processes starting at once, the second reads the first one's secret.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}

/** The API key from the environment, else the one kept in the data folder. */
export function resolveApiKey(config: Config): string {
  return config.apiKey ?? keptSecret(config, 'api-key', () => `hk_admin_${randomBytes(32).toString('base64url')}`);
}

/** The payload codec keys from the environment, else the ones kept in the data folder. */
export function resolveCodecKeys(config: Config): CodecKey[] {
  if (config.codecKeys) return config.codecKeys;
  const kept = keptSecret(config, 'codec-keys', () => formatCodecKeys([generateCodecKey()]));
  const parsed = codecKeysSchema.safeParse(kept);
  if (!parsed.success) throw new Error(`${path.join(config.dataDir, 'codec-keys')}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** MONGODB_URI, else the embedded FerretDB that `npm start` runs. */
export function mongoUri(config: Config): string {
  return config.mongoUri ?? ferretDbUri(config.embedded.ferretdbPort);
}

/** TEMPORAL_ADDRESS, else the embedded dev server that `npm start` runs. */
export function temporalAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.embedded.temporalPort}`;
}

/**
 * How long a stopping worker waits for its activities: a webhook in flight gets its answer and
 * is recorded rather than cut off and sent again by the worker that takes over (the Temporal
 * SDK's default, 0, cancels running activities at once). Whatever stops a worker waits longer.
 */
export function workerStopGraceMs(webhookTimeoutMs: number): number {
  return webhookTimeoutMs + 5_000;
}
