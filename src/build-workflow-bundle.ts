// `npm run build`'s last step: writes the workflow bundle workers load (src/workflow-bundle.ts).
import { writeFileSync } from 'node:fs';
import { bundleWorkflows, WORKFLOW_BUNDLE_FILE } from './workflow-bundle';

bundleWorkflows()
  .then(({ code }) => writeFileSync(WORKFLOW_BUNDLE_FILE, code))
  .catch((err) => {
    console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
