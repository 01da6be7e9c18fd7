// Operator-facing failures. A CliError is a mistake or a refusal the operator can act on: it
// is printed as one line (plus one line per detail) and never with a stack trace.

export class CliError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export interface ApiIssue {
  path: string;
  message: string;
}

/** A non-2xx answer from the gateway, carrying its `error.code` and `error.issues[]`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(
      message,
      issues.map((issue) => `${issue.path}: ${issue.message}`),
    );
  }
}

/** Prints the error to stderr and returns the exit code. Unexpected errors keep their stack only under HOOKWAY_DEBUG. */
export function reportError(err: unknown): number {
  const debug = Boolean(process.env.HOOKWAY_DEBUG);
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const detail of err.details) process.stderr.write(`  ${detail}\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return 1;
}
