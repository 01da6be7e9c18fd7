// `hookway campaigns create|update -f file`: send a JSON or YAML definition; a refusal lists
// each invalid field with the line of the file it is on.
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { readDefinitionFile, issuesWithLines, type DefinitionFile } from '../definition-file';
import { ApiError, CliError } from '../errors';
import { printJson, printLine } from '../output';
import type { CampaignView } from './campaign-types';

async function sendDefinition<T>(definition: DefinitionFile, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && err.issues.length > 0) {
      throw new CliError(`${definition.file}: the campaign is invalid`, issuesWithLines(definition, err.issues));
    }
    throw err;
  }
}

function definitionId(definition: DefinitionFile): string {
  const id = (definition.value as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') throw new CliError(`${definition.file}: the campaign has no "id"`);
  return id;
}

export function registerCampaignFiles(campaigns: Command): void {
  jsonOption(
    campaigns
      .command('create')
      .description('create a draft campaign from a JSON or YAML file')
      .requiredOption('-f, --file <path>', 'campaign definition (.json, .yaml or .yml)'),
  ).action(
    withContext<{ file: string }>(async (ctx, opts) => {
      const definition = readDefinitionFile(opts.file);
      const created = await sendDefinition(definition, () =>
        ctx.gateway().post<CampaignView>('/v1/campaigns', definition.value),
      );
      if (ctx.json) return printJson(created);
      printLine(
        `created campaign ${created.id} (${created.status}, version ${created.version}); activate it with: hookway campaigns activate ${created.id}`,
      );
    }),
  );

  jsonOption(
    campaigns
      .command('update')
      .description('save a new version of a campaign from a JSON or YAML file; running journeys keep theirs')
      .requiredOption('-f, --file <path>', 'campaign definition (.json, .yaml or .yml); its "id" names the campaign'),
  ).action(
    withContext<{ file: string }>(async (ctx, opts) => {
      const definition = readDefinitionFile(opts.file);
      const id = definitionId(definition);
      const updated = await sendDefinition(definition, () =>
        ctx.gateway().put<CampaignView>(`/v1/campaigns/${encodeURIComponent(id)}`, definition.value),
      );
      if (ctx.json) return printJson(updated);
      printLine(`updated campaign ${updated.id}: now version ${updated.version} (${updated.status})`);
    }),
  );
}
