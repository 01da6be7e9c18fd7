import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest folder above this file holding Hookway's package.json. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Hookway project folder');
    dir = parent;
  }
  return dir;
}

const TOOLS = path.join(projectRoot(), '.tools');
/** Kept in step with TEMPORAL_SERVER_VERSION in scripts/setup-cluster.sh, which installs it. */
const TEMPORAL_SERVER = path.join(TOOLS, 'temporal-server-1.29.1');

/** Installed by scripts/setup.sh (npm start and npm test run it first). */
export const TOOL_PATHS = {
  temporal: path.join(TOOLS, 'venv', 'bin', 'temporal'),
  temporalTestServer: path.join(TOOLS, 'venv', 'bin', 'temporal-test-server'),
  ferretdb: path.join(TOOLS, 'bin', 'ferretdb'),
  temporalServer: path.join(TEMPORAL_SERVER, 'server'),
  temporalSql: path.join(TEMPORAL_SERVER, 'sql'),
};

/** Only `npm run test:cluster` and the cluster benchmark need these, so only scripts/setup-cluster.sh installs them. */
const CLUSTER_TOOLS = new Set<keyof typeof TOOL_PATHS>(['temporalServer', 'temporalSql']);

export function requireTool(name: keyof typeof TOOL_PATHS): string {
  const file = TOOL_PATHS[name];
  const installer = CLUSTER_TOOLS.has(name) ? 'bash scripts/setup-cluster.sh' : 'npm run setup';
  if (!existsSync(file)) throw new Error(`${file} is missing; run "${installer}" to install it`);
  return file;
}
