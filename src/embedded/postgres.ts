// Debian's PostgreSQL (installed by scripts/setup-cluster.sh) as a private server: its own
// data folder and loopback port, trust authentication, started as the postgres user when run
// as root (PostgreSQL refuses root).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServiceProcess, type ServiceProcess } from './service-process';

const PG_ROOT = '/usr/lib/postgresql';

function pgBin(program: string): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(PG_ROOT, v, 'bin', program)).find((file) => existsSync(file));
  if (!found) throw new Error(`PostgreSQL's ${program} is missing; run "bash scripts/setup-cluster.sh" to install it`);
  return found;
}

/** The postgres user's ids when running as root; undefined runs as the current user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Initialises a cluster in dataDir (owned by the server's user) and starts it on port. */
export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  user: string;
  logFile: string;
}): Promise<ServiceProcess> {
  const user = serverUser();
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (user) {
    // The folders above must let the postgres user through to its own.
    chmodSync(path.dirname(opts.dataDir), 0o755);
    chownSync(opts.dataDir, user.uid, user.gid);
  }
  execFileSync(
    pgBin('initdb'),
    ['-D', opts.dataDir, '-U', opts.user, '-A', 'trust', '-E', 'UTF8', '--no-instructions'],
    {
      ...user,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const args = [
    '-D',
    opts.dataDir,
    '-p',
    String(opts.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-k',
    opts.dataDir,
    '-c',
    'max_connections=200',
  ];
  return startServiceProcess({
    name: 'postgresql',
    command: pgBin('postgres'),
    args,
    port: opts.port,
    logFile: opts.logFile,
    user,
  });
}
