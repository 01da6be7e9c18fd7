import { Schema, type Connection, type Model } from 'mongoose';
import { capVerdict, type AppliedCap, type CapVerdict } from '../domain/caps';
import { MAX_CAP_WINDOW_MS } from '../domain/fatigue';
import { isDuplicateKey } from './duplicate-key';

/**
 * The webhooks sent to each user, as one numbered log per user: entry n has the _id
 * "<n>:<userId>". A change (a send reserved, a slot released) is made by reading the log's last
 * entry n and inserting entry n+1. Only one insert of an _id succeeds, on FerretDB (whose
 * conditional updates are not atomic) as on MongoDB, so of two changes decided on the same log,
 * one lands and the other reads again: every granted send was decided on a log holding every
 * earlier grant, and no two can pass a cap together. Denials write nothing.
 *
 * Every read and write names a single _id, because FerretDB (SQLite backend) uses an index for
 * a filter of exactly { _id } and scans the whole collection for any other, and this one grows
 * with every webhook ever sent. So each entry carries the user's sends still in any cap's reach
 * as of itself (its window), and the last entry alone decides; a head document "head:<userId>"
 * points near it, and the reader probes forward by _id from there. The head is only a hint,
 * written after the entry: a stale or missing one costs a few more probes, never a wrong answer.
 */

/** A send as a window keeps it. */
interface WindowSend {
  /** The delivery's key: a retried reservation finds it instead of taking a second slot. */
  key: string;
  campaignId: string;
  tags: string[];
  /** Workflow time of the send, so windows follow the journey's clock. */
  at: Date;
}

interface LogEntry extends Partial<WindowSend> {
  _id: string;
  userId: string;
  seq: number;
  /** Unset on entries written before windows were kept, which are all sends. */
  kind?: 'send' | 'release';
  /** The user's unreleased sends within MAX_CAP_WINDOW_MS, this entry's own included; unset on entries written before windows were kept. */
  window?: WindowSend[];
  /** Set on an entry written before windows were kept when its send gave its slot back. */
  released?: boolean;
}

type NewEntry = Pick<LogEntry, 'kind' | 'key' | 'campaignId' | 'tags' | 'at' | 'window'>;

interface Head {
  _id: string;
  /** An entry of the log, at or shortly before its last. */
  seq: number;
}

const windowSendSchema = new Schema<WindowSend>(
  {
    key: { type: String, required: true },
    campaignId: { type: String, required: true },
    tags: [String],
    at: { type: Date, required: true },
  },
  { _id: false },
);

const entrySchema = new Schema<LogEntry>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, enum: ['send', 'release'] },
    key: { type: String, required: true },
    campaignId: String,
    tags: { type: [String], default: undefined },
    at: Date,
    window: { type: [windowSendSchema], default: undefined },
    released: Boolean,
  },
  { versionKey: false },
);

const headSchema = new Schema<Head>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);

/** Each lost race means another change landed, so a change retries about as often as sends compete. */
const MAX_TRIES = 200;

export interface SendRequest {
  userId: string;
  key: string;
  campaignId: string;
  tags: string[];
  caps: AppliedCap[];
  now: Date;
}

export class SendLog {
  private readonly entries: Model<LogEntry>;
  private readonly heads: Model<Head>;

  constructor(connection: Connection) {
    this.entries = connection.model<LogEntry>('Send', entrySchema, 'sends');
    this.heads = connection.model<Head>('SendHead', headSchema, 'sends');
  }

  /**
   * Reserves a slot under every cap at once, or says which cap is full and when it frees. A send
   * no cap can ever count (no cap applies to its campaign, and it carries no tag another
   * campaign's cap could count) is granted without touching the log: most campaigns have no cap,
   * and their sends cost no reads or writes here. A cap set later counts the sends from then on.
   */
  async reserve(request: SendRequest): Promise<CapVerdict> {
    const { key, now } = request;
    if (request.caps.length === 0 && request.tags.length === 0) return { granted: true };
    return this.change<CapVerdict>(request.userId, (window) => {
      if (window.some((s) => s.key === key)) return { result: { granted: true } };
      // Trimmed by the request's clock: a send leaves every window MAX_CAP_WINDOW_MS after it went out.
      const kept = window.filter((s) => s.at.getTime() > now.getTime() - MAX_CAP_WINDOW_MS);
      const verdict = capVerdict(
        request.caps,
        kept.map((s) => ({ ...s, at: s.at.getTime() })),
        now.getTime(),
      );
      if (!verdict.granted) return { result: verdict };
      const send = { key, campaignId: request.campaignId, tags: request.tags, at: now };
      return { result: verdict, entry: { kind: 'send', ...send, window: [...kept, send] } };
    });
  }

  /** Gives a reserved slot back; repeating it, or releasing a send no longer counted, changes nothing. */
  async release(userId: string, key: string): Promise<void> {
    return this.change(userId, (window) => ({
      result: undefined,
      entry: window.some((s) => s.key === key)
        ? { kind: 'release', key, window: window.filter((s) => s.key !== key) }
        : undefined,
    }));
  }

  /** Decides on the log's window and appends the entry decided, deciding again on a lost race. */
  private async change<T>(
    userId: string,
    decide: (window: WindowSend[]) => { result: T; entry?: NewEntry },
  ): Promise<T> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const last = await this.last(userId);
      const { result, entry } = decide(last ? await this.windowOf(last) : []);
      if (!entry || (await this.append(userId, (last?.seq ?? -1) + 1, entry))) return result;
    }
    throw new Error(`could not change the send log of user ${userId}: ${MAX_TRIES} concurrent sends won the race`);
  }

  /** Inserts entry `seq`, then moves the head to it; false when another change took that place first. */
  private async append(userId: string, seq: number, entry: NewEntry): Promise<boolean> {
    try {
      await this.entries.create({ _id: `${seq}:${userId}`, userId, seq, ...entry });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    // $max: a head moved by a later append stays there. Not atomic on FerretDB, which only makes it staler.
    await this.heads.updateOne({ _id: `head:${userId}` }, { $max: { seq } }, { upsert: true });
    return true;
  }

  private entry(userId: string, seq: number): Promise<LogEntry | null> {
    return this.entries.findById(`${seq}:${userId}`).lean<LogEntry>().exec();
  }

  /**
   * The log's last entry, or null when it is empty. Entries are numbered without gaps, so it is
   * found from the head (or entry 0, for a log written before heads) by probing 1, 2, 4, … entries
   * ahead and halving the gap between the last one found and the first one missing.
   */
  private async last(userId: string): Promise<LogEntry | null> {
    const head = await this.heads.findById(`head:${userId}`).lean<Head>().exec();
    let found = await this.entry(userId, head?.seq ?? 0);
    if (!found) return null;
    let gap = 1;
    for (let next = await this.entry(userId, found.seq + gap); next; next = await this.entry(userId, found.seq + gap)) {
      found = next;
      gap *= 2;
    }
    let missing = found.seq + gap;
    while (missing - found.seq > 1) {
      const middle = Math.floor((found.seq + missing) / 2);
      const entry = await this.entry(userId, middle);
      if (entry) found = entry;
      else missing = middle;
    }
    return found;
  }

  /**
   * The sends counted as of `last`: its window, or for entries written before windows were kept,
   * their sends read back one by one until one left the window (their times only grow) or an
   * entry with a window is reached. Once a change lands, its entry carries the result.
   */
  private async windowOf(last: LogEntry): Promise<WindowSend[]> {
    const older: WindowSend[] = [];
    let entry: LogEntry | null = last;
    while (entry && !entry.window && entry.at!.getTime() > last.at!.getTime() - MAX_CAP_WINDOW_MS) {
      if (!entry.released)
        older.push({ key: entry.key!, campaignId: entry.campaignId!, tags: entry.tags ?? [], at: entry.at! });
      entry = entry.seq > 0 ? await this.entry(last.userId, entry.seq - 1) : null;
    }
    return [...(entry?.window ?? []), ...older];
  }
}
