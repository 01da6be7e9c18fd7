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

class ScheduledRetries {
  private stopping = false;
  private lastDueAt = 0;
  readonly options: GrpcRetryOptions;

  constructor(defaults: GrpcRetryOptions) {
    this.options = {
      retryableDecider: (attempt, status) => !this.stopping && defaults.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => {
        const delayMs = defaults.delayFunction(attempt, status);
        this.lastDueAt = Math.max(this.lastDueAt, Date.now() + delayMs);
        return delayMs;
      },
    };
  }

  /** Resolves once every scheduled retry has started its call on the still-open channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waitMs = this.lastDueAt - Date.now();
    if (waitMs >= 0) await new Promise((resolve) => setTimeout(resolve, waitMs + 1));
  }
}
