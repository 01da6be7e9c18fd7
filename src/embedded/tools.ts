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

/** Installed by scripts/setup.sh (npm start and npm test run it first). */
export const TOOL_PATHS = {
  temporal: path.join(TOOLS, 'venv', 'bin', 'temporal'),
  temporalTestServer: path.join(TOOLS, 'venv', 'bin', 'temporal-test-server'),
  ferretdb: path.join(TOOLS, 'bin', 'ferretdb'),
};

export function requireTool(name: keyof typeof TOOL_PATHS): string {
  const file = TOOL_PATHS[name];
  if (!existsSync(file)) throw new Error(`${file} is missing; run "npm run setup" to install it`);
  return file;
}
