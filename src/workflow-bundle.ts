// The journey workflows as one webpack bundle for the worker's sandbox. Bundling costs about
// 1.5 s of CPU on a quiet machine and far more on a starved one (a worker restarted under load
// took ~30 s to come back, most of it here), so `npm run build` writes the bundle once and a
// worker starting or restarting loads it.
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const DIST = path.resolve(__dirname, '..');
export const WORKFLOW_BUNDLE_FILE = path.join(DIST, 'workflow-bundle.js');
/** What the bundle is made of: a compiled file newer than the bundle means it is stale. */
const SOURCES = ['workflows', 'src/domain'].map((dir) => path.join(DIST, dir));

function newestChange(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .reduce((newest, entry) => Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs), 0);
}

export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
}

/** The bundle `npm run build` wrote, unless it is missing or older than the code it bundles. */
export function prebuiltWorkflowBundle(): WorkflowBundleOption | undefined {
  if (!existsSync(WORKFLOW_BUNDLE_FILE)) return undefined;
  const built = statSync(WORKFLOW_BUNDLE_FILE).mtimeMs;
  return SOURCES.every((dir) => newestChange(dir) <= built) ? { codePath: WORKFLOW_BUNDLE_FILE } : undefined;
}

export async function loadWorkflowBundle(): Promise<WorkflowBundleOption> {
  return prebuiltWorkflowBundle() ?? bundleWorkflows();
}
