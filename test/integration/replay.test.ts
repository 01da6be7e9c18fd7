// Journeys recorded from earlier workflow code must replay on the current code: a change
// that would break running journeys fails here (guard it with patched(), see docs/development.md).
// They were recorded before payloads were encrypted: the codec lets such payloads through unchanged.
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stack, testCodec } from '../support/stack';

const HISTORIES = path.join(__dirname, '../../../test/fixtures/histories');

describe('saved journey histories replay on the current workflow code', function () {
  for (const file of readdirSync(HISTORIES).filter((f) => f.endsWith('.json'))) {
    it(`replays ${file}`, async function () {
      const history = temporal.api.history.v1.History.fromObject(
        JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')),
      );
      await Worker.runReplayHistory(
        { workflowBundle: stack().workflowBundle, dataConverter: { payloadCodecs: [testCodec()] } },
        history,
        file,
      );
    });
  }
});
