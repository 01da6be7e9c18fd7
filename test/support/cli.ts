// The operator CLI run as an operator runs it: `node dist/src/cli/main.js …` as a subprocess.
import { execFile } from 'node:child_process';
import path from 'node:path';

export const CLI_SCRIPT = path.join(__dirname, '../../src/cli/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; script?: string; cwd?: string },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [opts.script ?? CLI_SCRIPT, ...args],
      { env: opts.env, cwd: opts.cwd, timeout: 90_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
