// Workers load the workflows `npm run build` bundled, and never a bundle older than the code.
import assert from 'node:assert/strict';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { prebuiltWorkflowBundle, WORKFLOW_BUNDLE_FILE } from '../../src/workflow-bundle';

describe('the prebuilt workflow bundle', function () {
  it('is the file the build wrote, holding the journey workflow', function () {
    assert.deepEqual(prebuiltWorkflowBundle(), { codePath: WORKFLOW_BUNDLE_FILE });
    assert.match(readFileSync(WORKFLOW_BUNDLE_FILE, 'utf8'), /async function journey\(/);
  });

  it('is passed over once workflow code compiled after it is newer, so a worker bundles that code', function () {
    const compiled = path.resolve(__dirname, '../../workflows/journey.js');
    const { atime, mtime } = statSync(compiled);
    const later = new Date(statSync(WORKFLOW_BUNDLE_FILE).mtimeMs + 60_000);
    try {
      utimesSync(compiled, later, later);
      assert.equal(prebuiltWorkflowBundle(), undefined);
    } finally {
      utimesSync(compiled, atime, mtime);
    }
    assert.deepEqual(prebuiltWorkflowBundle(), { codePath: WORKFLOW_BUNDLE_FILE });
  });
});
