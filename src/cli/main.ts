#!/usr/bin/env node
// Entry point of the `hookway` operator CLI.
import { reportError } from './errors';
import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .then(
    () => Number(process.exitCode ?? 0),
    (err: unknown) => reportError(err),
  )
  // Replays load Temporal's native runtime, which keeps the event loop alive; exit explicitly.
  .then((code) => process.exit(code));
