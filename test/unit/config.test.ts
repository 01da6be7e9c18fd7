import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, mongoUri, resolveApiKey, resolveCodecKeys, temporalAddress } from '../../src/config';

describe('loadConfig', () => {
  it('uses defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.deepEqual(config, {
      temporalAddress: undefined,
      temporalNamespace: 'default',
      temporalUiUrl: undefined,
      taskQueue: 'hookway',
      mongoUri: undefined,
      dataDir: path.resolve('.data'),
      apiKey: undefined,
      port: 3000,
      host: '127.0.0.1',
      workerMetricsPort: 9464,
      embedded: { temporalPort: 7233, temporalUiPort: 8233, ferretdbPort: 27017, ferretdbRestartAfterMs: 30_000 },
      logLevel: 'info',
      webhookTimeoutMs: 15_000,
      campaignRefreshMs: 5_000,
      outboxSweepMs: 2_000,
      network: { allowPrivate: false, allowedCidrs: [], proxy: undefined },
      secretGraceMs: 86_400_000,
      fanOutEntriesPerSecond: 50,
      eventRetentionMs: 90 * 86_400_000,
      ingestRate: '100/s',
      codecKeys: undefined,
      codecCorsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      codecUiSecret: undefined,
    });
  });

  it('falls back to the embedded Temporal and FerretDB', () => {
    const config = loadConfig({});
    assert.equal(temporalAddress(config), '127.0.0.1:7233');
    assert.equal(
      mongoUri(config),
      'mongodb://127.0.0.1:27017/hookway?directConnection=true&retryWrites=false&maxPoolSize=30',
    );
  });

  it('reads values from the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      FERRETDB_PORT: '27018',
      TEMPORAL_ADDRESS: 'temporal:7233',
      MONGODB_URI: 'mongodb://db/hw',
      HOOKWAY_DATA_DIR: '/var/lib/hookway',
      LOG_LEVEL: 'debug',
      HOOKWAY_API_KEY: 'k'.repeat(16),
      WORKER_METRICS_PORT: '0',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.workerMetricsPort, 0, 'metrics off');
    assert.equal(config.embedded.ferretdbPort, 27018);
    assert.equal(config.dataDir, '/var/lib/hookway');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.apiKey, 'k'.repeat(16));
    assert.equal(temporalAddress(config), 'temporal:7233');
    assert.equal(mongoUri(config), 'mongodb://db/hw');
  });

  it('refuses a fan-out pace outside 1–1000 per second, naming the variable', () => {
    assert.equal(loadConfig({ HOOKWAY_FANOUT_ENTRIES_PER_SECOND: '200' }).fanOutEntriesPerSecond, 200);
    assert.throws(() => loadConfig({ HOOKWAY_FANOUT_ENTRIES_PER_SECOND: '0' }), /HOOKWAY_FANOUT_ENTRIES_PER_SECOND: /);
  });

  it('treats empty optional settings as unset', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: '', MONGODB_URI: '', HOOKWAY_API_KEY: '' });
    assert.equal(config.temporalAddress, undefined);
    assert.equal(config.mongoUri, undefined);
    assert.equal(config.apiKey, undefined);
  });

  for (const value of ['abc', '0', '65536', '80.5', '-1']) {
    it(`rejects PORT=${value} with a message naming PORT`, () => {
      assert.throws(() => loadConfig({ PORT: value }), /^Error: invalid configuration:\n {2}PORT: /);
    });
  }

  it('lists every invalid setting', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc', HOOKWAY_API_KEY: 'short', LOG_LEVEL: 'loud' }),
      (err: Error) => {
        const lines = err.message
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(':')[0]);
        assert.deepEqual(lines.sort(), ['HOOKWAY_API_KEY', 'LOG_LEVEL', 'PORT']);
        assert.match(err.message, /HOOKWAY_API_KEY: must be at least 16 characters/);
        return true;
      },
    );
  });

  it('rejects a webhook timeout under 100 ms', () => {
    assert.throws(() => loadConfig({ HOOKWAY_WEBHOOK_TIMEOUT_MS: '50' }), /HOOKWAY_WEBHOOK_TIMEOUT_MS: /);
  });

  it('reads the webhook proxy as an http(s) URL, refusing other schemes', () => {
    const proxy = 'http://user:pw@proxy.internal:3128';
    assert.equal(loadConfig({ HOOKWAY_WEBHOOK_PROXY: proxy }).network.proxy, proxy);
    assert.throws(
      () => loadConfig({ HOOKWAY_WEBHOOK_PROXY: 'socks5://proxy.internal:1080' }),
      /HOOKWAY_WEBHOOK_PROXY: must be an http:\/\/ or https:\/\/ proxy URL/,
    );
  });

  it('reads the embedded Web UI codec secret, refusing a short one', () => {
    assert.equal(loadConfig({ HOOKWAY_CODEC_UI_SECRET: 'a'.repeat(43) }).codecUiSecret, 'a'.repeat(43));
    assert.throws(
      () => loadConfig({ HOOKWAY_CODEC_UI_SECRET: 'short' }),
      /HOOKWAY_CODEC_UI_SECRET: must be at least 32/,
    );
  });

  it('reads the event retention as a duration, refusing anything else', () => {
    assert.equal(loadConfig({ HOOKWAY_EVENT_RETENTION: '30d' }).eventRetentionMs, 30 * 86_400_000);
    assert.throws(
      () => loadConfig({ HOOKWAY_EVENT_RETENTION: '90 days' }),
      /HOOKWAY_EVENT_RETENTION: must be a duration/,
    );
  });

  it('reads how long a hung FerretDB is left before npm start restarts it, refusing more than an hour', () => {
    assert.equal(loadConfig({ HOOKWAY_FERRETDB_RESTART_AFTER: '5s' }).embedded.ferretdbRestartAfterMs, 5_000);
    for (const value of ['2h', '30', 'soon'])
      assert.throws(
        () => loadConfig({ HOOKWAY_FERRETDB_RESTART_AFTER: value }),
        /HOOKWAY_FERRETDB_RESTART_AFTER: must be a duration from 1s to 1h/,
      );
  });

  it('reads the default ingestion rate per key, and rejects one that is not a rate', () => {
    assert.equal(loadConfig({ HOOKWAY_INGEST_RATE: '20/m' }).ingestRate, '20/m');
    for (const bad of ['fast', '0/s', '10/d', '-1/s']) {
      assert.throws(
        () => loadConfig({ HOOKWAY_INGEST_RATE: bad }),
        /HOOKWAY_INGEST_RATE: must be a rate such as 100\/s/,
      );
    }
  });
});

describe('payload codec keys', () => {
  const secret = Buffer.alloc(32, 7).toString('base64');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hookway-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads several keys, the first encrypting, and refuses malformed ones naming the variable', () => {
    const keys = loadConfig({ HOOKWAY_CODEC_KEYS: `k2:${secret}, k1:${secret}` }).codecKeys!;
    assert.deepEqual(
      keys.map((k) => k.id),
      ['k2', 'k1'],
    );
    assert.equal(keys[0].secret.length, 32);
    assert.throws(
      () => loadConfig({ HOOKWAY_CODEC_KEYS: 'k1:c2hvcnQ=' }),
      /HOOKWAY_CODEC_KEYS.0: the secret must be 32 bytes/,
    );
    assert.throws(
      () => loadConfig({ HOOKWAY_CODEC_KEYS: `k1:${secret},k1:${secret}` }),
      /HOOKWAY_CODEC_KEYS: must not use a key id twice/,
    );
    assert.throws(() => loadConfig({ HOOKWAY_CODEC_KEYS: secret }), /HOOKWAY_CODEC_KEYS.*must be "id:secret"/);
  });

  it('generates a key once in a private data folder, and reuses it', () => {
    const config = loadConfig({ HOOKWAY_DATA_DIR: path.join(dir, 'nested') });
    const [key] = resolveCodecKeys(config);
    assert.equal(statSync(path.join(config.dataDir, 'codec-keys')).mode & 0o777, 0o600);
    assert.equal(statSync(config.dataDir).mode & 0o777, 0o700);
    assert.deepEqual(resolveCodecKeys(config), [key]);
  });
});

describe('resolveApiKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hookway-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers HOOKWAY_API_KEY', () => {
    const key = 'from-the-environment';
    assert.equal(resolveApiKey(loadConfig({ HOOKWAY_DATA_DIR: dir, HOOKWAY_API_KEY: key })), key);
  });

  it('generates a key once, keeps it private in the data folder, and reuses it', () => {
    const config = loadConfig({ HOOKWAY_DATA_DIR: path.join(dir, 'nested') });
    const key = resolveApiKey(config);
    assert.match(key, /^hk_admin_[A-Za-z0-9_-]{43}$/);
    const file = path.join(config.dataDir, 'api-key');
    assert.equal(readFileSync(file, 'utf8'), `${key}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(resolveApiKey(config), key);
  });
});
