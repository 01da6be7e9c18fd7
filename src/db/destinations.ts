import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Claims } from './claims';
import { generateSecret } from '../domain/signing-secret';
import { DEFAULT_PROBE_INTERVAL, type DestinationConfig, type DestinationCreate } from '../domain/destination';
import { parseDuration } from '../domain/duration';
import { isDuplicateKey } from './duplicate-key';

export const DESTINATION_STATES = ['enabled', 'open', 'disabled'] as const;
/** enabled: sending; open: the breaker holds sends back and lets one probe through at a time; disabled: refuses. */
export type DestinationState = (typeof DESTINATION_STATES)[number];

export interface SigningSecret {
  value: string;
  createdAt: Date;
  /** Set on rotation: the old secret keeps signing beside the new one until then. */
  expiresAt?: Date;
}

export interface DestinationRecord {
  _id: string;
  config: DestinationConfig;
  secrets: SigningSecret[];
  state: DestinationState;
  consecutiveFailures: number;
  failingSince?: Date;
  probeAt?: Date;
  probeIntervalMs?: number;
  disabledReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type Gate = { kind: 'send' } | { kind: 'wait'; ms: number } | { kind: 'disabled'; reason: string };

const MAX_PROBE_INTERVAL_MS = 3_600_000;
/** Senders held by an open breaker look again at least this often, so they resume soon after a probe succeeds. */
const MAX_BREAKER_WAIT_MS = 30_000;
/** Slots tried per send before it waits; bounds the writes a nearly full budget costs. */
const MAX_SLOT_TRIES = 16;

const destinationSchema = new Schema<DestinationRecord>(
  {
    _id: { type: String, required: true },
    config: { type: Schema.Types.Mixed, required: true },
    secrets: { type: [{ value: String, createdAt: Date, expiresAt: Date, _id: false }], default: [] },
    state: { type: String, enum: DESTINATION_STATES, default: 'enabled' },
    consecutiveFailures: { type: Number, default: 0 },
    failingSince: Date,
    probeAt: Date,
    probeIntervalMs: Number,
    disabledReason: String,
  },
  { versionKey: false, minimize: false, timestamps: true },
);

export class DestinationExistsError extends Error {}

function firstProbeInterval(record: DestinationRecord): number {
  return parseDuration(record.config.breaker.probeInterval ?? DEFAULT_PROBE_INTERVAL)!;
}

export function activeSecrets(record: DestinationRecord, now: Date): string[] {
  return record.secrets.filter((s) => !s.expiresAt || s.expiresAt > now).map((s) => s.value);
}

export class DestinationRepository {
  private readonly model: Model<DestinationRecord>;

  constructor(
    connection: Connection,
    private readonly claims: Claims,
  ) {
    this.model = connection.model<DestinationRecord>('Destination', destinationSchema, 'destinations');
  }

  async create(input: DestinationCreate): Promise<DestinationRecord> {
    const { id, signingSecret, ...config } = input;
    try {
      const created = await this.model.create({
        _id: id,
        config,
        secrets: [{ value: signingSecret ?? generateSecret(), createdAt: new Date() }],
      });
      return created.toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new DestinationExistsError(`destination "${id}" already exists`);
      throw err;
    }
  }

  async get(id: string): Promise<DestinationRecord | null> {
    return this.model.findById(id).lean<DestinationRecord>();
  }

  async list(): Promise<DestinationRecord[]> {
    return this.model.find().sort({ _id: 1 }).lean<DestinationRecord[]>();
  }

  /** Replaces the configuration; an operator re-enabling a destination also resets its breaker. */
  async replaceConfig(id: string, config: DestinationConfig): Promise<DestinationRecord | null> {
    // The failure count lives in claims; a re-enabled destination counts from zero again.
    await this.claims.clear(`fail:${id}`);
    return this.model
      .findOneAndUpdate(
        { _id: id },
        {
          $set: { config, state: 'enabled', consecutiveFailures: 0 },
          $unset: { failingSince: 1, probeAt: 1, probeIntervalMs: 1, disabledReason: 1 },
        },
        { new: true },
      )
      .lean<DestinationRecord>();
  }

  /** Adds a new secret; the ones in use keep signing beside it for the grace period. */
  async rotateSecret(id: string, graceMs: number): Promise<{ record: DestinationRecord; secret: string } | null> {
    const record = await this.get(id);
    if (!record) return null;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + graceMs);
    const secret = generateSecret();
    const secrets = [
      ...record.secrets
        .filter((s) => !s.expiresAt || s.expiresAt > now)
        .map((s) => ({ ...s, expiresAt: s.expiresAt ?? expiresAt })),
      { value: secret, createdAt: now },
    ];
    const updated = await this.model
      .findOneAndUpdate({ _id: id }, { $set: { secrets } }, { new: true })
      .lean<DestinationRecord>();
    return updated && { record: updated, secret };
  }

  /** May a send go out now? Lets exactly one probe through when an open breaker's interval is up. */
  async gate(id: string, now: Date): Promise<Gate> {
    const record = await this.get(id);
    if (!record) return { kind: 'disabled', reason: `destination "${id}" does not exist` };
    if (record.state === 'disabled') return { kind: 'disabled', reason: record.disabledReason ?? 'disabled' };
    if (record.state === 'enabled') return { kind: 'send' };
    const probeAt = record.probeAt?.getTime() ?? 0;
    if (now.getTime() < probeAt) return { kind: 'wait', ms: Math.min(probeAt - now.getTime(), MAX_BREAKER_WAIT_MS) };
    const interval = record.probeIntervalMs ?? firstProbeInterval(record);
    const probe = await this.claims.claim(
      `probe:${id}:${probeAt}`,
      `probe:${id}`,
      new Date(now.getTime() + MAX_PROBE_INTERVAL_MS),
    );
    if (!probe) return { kind: 'wait', ms: Math.min(interval, MAX_BREAKER_WAIT_MS) };
    await this.model.updateOne({ _id: id }, { $set: { probeAt: new Date(now.getTime() + interval) } });
    return { kind: 'send' };
  }

  async recordSuccess(id: string): Promise<void> {
    const record = await this.get(id);
    if (!record || (record.consecutiveFailures === 0 && record.state !== 'open')) return;
    await this.claims.clear(`fail:${id}`);
    await this.model.updateOne(
      { _id: id, state: { $ne: 'disabled' } },
      {
        $set: { consecutiveFailures: 0, state: 'enabled' },
        $unset: { failingSince: 1, probeAt: 1, probeIntervalMs: 1 },
      },
    );
  }

  /** Counts a failed attempt: opens the breaker at the threshold, backs off probes, disables after too long. */
  async recordFailure(id: string, now: Date): Promise<void> {
    const current = await this.get(id);
    if (!current || current.state === 'disabled') return;
    const disableAfterMs = parseDuration(current.config.breaker.disableAfter)!;
    // Each failure is its own claim, so concurrent failures are all counted.
    await this.claims.claim(`fail:${id}:${randomUUID()}`, `fail:${id}`, new Date(now.getTime() + disableAfterMs));
    const failures = await this.claims.count(`fail:${id}`, now);
    const failingSince = current.failingSince ?? now;
    await this.model.updateOne({ _id: id }, { $set: { consecutiveFailures: failures, failingSince } });
    if (now.getTime() - failingSince.getTime() >= disableAfterMs) {
      await this.disable(id, `every attempt failed since ${failingSince.toISOString()}`);
    } else if (current.state === 'open') {
      const interval = Math.min((current.probeIntervalMs ?? firstProbeInterval(current)) * 2, MAX_PROBE_INTERVAL_MS);
      await this.model.updateOne(
        { _id: id, state: 'open' },
        { $set: { probeAt: new Date(now.getTime() + interval), probeIntervalMs: interval } },
      );
    } else if (failures >= current.config.breaker.failureThreshold) {
      const interval = firstProbeInterval(current);
      await this.model.updateOne(
        { _id: id, state: 'enabled' },
        { $set: { state: 'open', probeAt: new Date(now.getTime() + interval), probeIntervalMs: interval } },
      );
    }
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { state: 'disabled', disabledReason: reason } });
  }

  /**
   * Takes one send from this second's budget, shared by every worker: the budget is `limit`
   * claims per second. Returns 0 when taken, else how long to wait for the next second.
   */
  async takeRateSlot(id: string, limit: number, nowMs: number): Promise<number> {
    const second = Math.floor(nowMs / 1000);
    const expiresAt = new Date((second + 2) * 1000);
    const start = Math.floor(Math.random() * limit);
    // Trying every slot of a large budget would cost a write each; a few misses mean "nearly full, wait".
    for (let i = 0; i < Math.min(limit, MAX_SLOT_TRIES); i++) {
      if (await this.claims.claim(`rate:${id}:${second}:${(start + i) % limit}`, `rate:${id}`, expiresAt)) return 0;
    }
    return (second + 1) * 1000 - nowMs;
  }

  /** Takes one of `max` concurrency slots until `until`; returns its id, or undefined when all are busy. */
  async acquireSlot(id: string, max: number, holder: string, now: Date, until: Date): Promise<string | undefined> {
    const start = Math.floor(Math.random() * max);
    for (let i = 0; i < Math.min(max, MAX_SLOT_TRIES); i++) {
      const slot = `slot:${id}:${(start + i) % max}`;
      if (await this.claims.claimOrTakeOver(slot, `slot:${id}`, now, until, holder)) return slot;
    }
    return undefined;
  }

  async releaseSlot(slot: string, holder: string): Promise<void> {
    await this.claims.release(slot, holder);
  }
}
