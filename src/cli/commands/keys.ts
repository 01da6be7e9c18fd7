// `hookway keys …`: access keys for the API. A new key is printed once; afterwards only its hint.
import { InvalidArgumentError, type Command } from 'commander';
import { jsonOption, withContext } from '../action';
import { ACCESS_KINDS, parseRate } from '../../domain/access-key';
import { formatTime, printJson, printLine, printTable } from '../output';

interface KeyView {
  id: string;
  kind: string;
  name: string;
  hint: string;
  rateLimit?: string;
  createdAt: string;
  revokedAt?: string;
}

interface CreateOptions {
  kind: string;
  name: string;
  rate?: string;
  entityEvents?: boolean;
}

function accessKind(text: string): string {
  if (!(ACCESS_KINDS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`must be one of ${ACCESS_KINDS.join(', ')}`);
  return text;
}

function rate(text: string): string {
  if (!parseRate(text)) throw new InvalidArgumentError('must be a rate such as 100/s, 600/m or 5000/h');
  return text;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('create, list and revoke access keys');

  jsonOption(
    keys
      .command('create')
      .description('create a key and print it; it is shown only this once')
      .requiredOption('--kind <kind>', `${ACCESS_KINDS.join(' or ')}: ingest keys may only post events`, accessKind)
      .requiredOption('--name <name>', 'who or what uses the key, e.g. "checkout service"')
      .option('--rate <rate>', 'ingestion rate for this key instead of the gateway default, e.g. 50/s', rate)
      .option('--entity-events', 'let an ingest key send events without a userId, which enter whole audiences'),
  ).action(
    withContext<CreateOptions>(async (ctx, opts) => {
      const created = await ctx.gateway().post<KeyView & { key: string }>('/v1/keys', {
        kind: opts.kind,
        name: opts.name,
        ...(opts.rate && { rateLimit: opts.rate }),
        ...(opts.entityEvents && { entityEvents: true }),
      });
      if (ctx.json) return printJson(created);
      printLine(`created ${created.kind} key ${created.id} (${created.name}); keep it now, it is not shown again:`);
      printLine(created.key);
    }),
  );

  jsonOption(keys.command('list').description('list keys, without their secrets')).action(
    withContext(async (ctx) => {
      const { keys: list } = await ctx.gateway().get<{ keys: KeyView[] }>('/v1/keys');
      if (ctx.json) return printJson({ keys: list });
      printTable(
        ['ID', 'KIND', 'NAME', 'KEY', 'RATE', 'CREATED', 'REVOKED'],
        list.map((k) => [k.id, k.kind, k.name, k.hint, k.rateLimit, formatTime(k.createdAt), formatTime(k.revokedAt)]),
        'no access keys (the bootstrap key HOOKWAY_API_KEY is not listed)',
      );
    }),
  );

  jsonOption(
    keys
      .command('revoke')
      .description('revoke a key; every gateway refuses it from the next request on')
      .argument('<id>', 'the key id, key_…'),
  ).action(
    withContext(async (ctx, _opts, id) => {
      const revoked = await ctx.gateway().delete<KeyView>(`/v1/keys/${encodeURIComponent(id)}`);
      if (ctx.json) return printJson(revoked);
      printLine(`revoked ${revoked.id} (${revoked.name}) at ${formatTime(revoked.revokedAt)}`);
    }),
  );
}
