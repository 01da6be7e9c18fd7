import { Schema, type Connection, type Model } from 'mongoose';
import { generateSecret } from '../delivery/signature';
import { DEFAULT_PROBE_INTERVAL, type DestinationConfig, type DestinationCreate } from '../domain/destination';
import { parseDuration } from '../domain/duration';
import { isDuplicateKey } from './connection';

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
  /** Sends counted in the current second, for the rate limit shared by all workers. */
  rate?: { second: number; count: number };
  createdAt: Date;
  updatedAt: Date;
}

export type Gate = { kind: 'send' } | { kind: 'wait'; ms: number } | { kind: 'disabled'; reason: string };

const MAX_PROBE_INTERVAL_MS = 3_600_000;
/** Senders held by an open breaker look again at least this often, so they resume soon after a probe succeeds. */
const MAX_BREAKER_WAIT_MS = 30_000;

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
    rate: { type: Schema.Types.Mixed },
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

  constructor(connection: Connection) {
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
    return this.model
      .findOneAndUpdate(
        { _id: id },
        { $set: { config, state: 'enabled', consecutiveFailures: 0 }, $unset: { failingSince: 1, probeAt: 1, probeIntervalMs: 1, disabledReason: 1 } },
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
      ...record.secrets.filter((s) => !s.expiresAt || s.expiresAt > now).map((s) => ({ ...s, expiresAt: s.expiresAt ?? expiresAt })),
      { value: secret, createdAt: now },
    ];
    const updated = await this.model.findOneAndUpdate({ _id: id }, { $set: { secrets } }, { new: true }).lean<DestinationRecord>();
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
    const claimed = await this.model.updateOne(
      { _id: id, state: 'open', probeAt: record.probeAt },
      { $set: { probeAt: new Date(now.getTime() + interval) } },
    );
    return claimed.modifiedCount === 1 ? { kind: 'send' } : { kind: 'wait', ms: Math.min(interval, MAX_BREAKER_WAIT_MS) };
  }

  async recordSuccess(id: string): Promise<void> {
    await this.model.updateOne(
      { _id: id, $or: [{ consecutiveFailures: { $gt: 0 } }, { state: 'open' }] },
      { $set: { consecutiveFailures: 0, state: 'enabled' }, $unset: { failingSince: 1, probeAt: 1, probeIntervalMs: 1 } },
    );
  }

  /** Counts a failed attempt: opens the breaker at the threshold, backs off probes, disables after too long. */
  async recordFailure(id: string, now: Date): Promise<void> {
    const record = await this.model
      .findOneAndUpdate({ _id: id }, { $inc: { consecutiveFailures: 1 }, $min: { failingSince: now } }, { new: true })
      .lean<DestinationRecord>();
    if (!record || record.state === 'disabled') return;
    const failingForMs = now.getTime() - (record.failingSince ?? now).getTime();
    if (failingForMs >= parseDuration(record.config.breaker.disableAfter)!) {
      await this.disable(id, `every attempt failed since ${(record.failingSince ?? now).toISOString()}`);
    } else if (record.state === 'open') {
      const interval = Math.min((record.probeIntervalMs ?? firstProbeInterval(record)) * 2, MAX_PROBE_INTERVAL_MS);
      await this.model.updateOne({ _id: id, state: 'open' }, { $set: { probeAt: new Date(now.getTime() + interval), probeIntervalMs: interval } });
    } else if (record.consecutiveFailures >= record.config.breaker.failureThreshold) {
      const interval = firstProbeInterval(record);
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
   * Takes one send from this second's budget, shared by every worker through this document.
   * Returns 0 when taken, else how long to wait for the next second.
   */
  async takeRateSlot(id: string, limit: number, nowMs: number): Promise<number> {
    const second = Math.floor(nowMs / 1000);
    const counted = await this.model.updateOne({ _id: id, 'rate.second': second, 'rate.count': { $lt: limit } }, { $inc: { 'rate.count': 1 } });
    if (counted.modifiedCount === 1) return 0;
    const opened = await this.model.updateOne(
      { _id: id, $or: [{ rate: null }, { 'rate.second': { $lt: second } }] },
      { $set: { rate: { second, count: 1 } } },
    );
    return opened.modifiedCount === 1 ? 0 : (second + 1) * 1000 - nowMs;
  }
}
