import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
  type GrpcRetryOptions,
} from '@temporalio/client';

/**
 * The SDK's gRPC retry interceptor starts each retry from a bare timer. A retry whose timer
 * fires after `close()` throws "Channel has been shut down" where no caller can catch it,
 * which stops the process (a gateway shut down while Temporal was unreachable did). So once
 * closing starts no retry is scheduled, and `close()` waits out the retries already due.
 */
export class ClosingConnection extends Connection {
  private retries!: ScheduledRetries;

  static async open(options: ConnectionOptions): Promise<ClosingConnection> {
    const retries = new ScheduledRetries(defaultGrpcRetryOptions());
    const connection = await this.connect({ ...options, interceptors: [makeGrpcRetryInterceptor(retries.options)] });
    return Object.assign(connection as ClosingConnection, { retries });
  }

  override async close(): Promise<void> {
    await this.retries.stop();
    await super.close();
  }
}

/**
 * Each retry's timer is shadowed by one of ours, set just before it in the same turn of the
 * event loop with the same delay: Node runs timers of one delay in the order they were set,
 * so ours fires just before the retry's, which has started its call by the next turn. (A
 * wall-clock due time was not enough: timers count from the loop's cached time, and on a
 * loaded machine the retry could fire after close.)
 */
class ScheduledRetries {
  private stopping = false;
  private scheduled = 0;
  private allFired?: () => void;
  readonly options: GrpcRetryOptions;

  constructor(defaults: GrpcRetryOptions) {
    this.options = {
      retryableDecider: (attempt, status) => !this.stopping && defaults.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => {
        const delayMs = defaults.delayFunction(attempt, status);
        this.scheduled++;
        setTimeout(() => {
          if (--this.scheduled === 0) this.allFired?.();
        }, delayMs).unref();
        return delayMs;
      },
    };
  }

  /** Resolves once every scheduled retry has started its call on the still-open channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.scheduled > 0) await new Promise<void>((resolve) => (this.allFired = resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
