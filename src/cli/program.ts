// The command tree. Each group registers its commands from its own module in commands/.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { registerCampaigns } from './commands/campaigns';
import { registerDeliveries } from './commands/deliveries';
import { registerEvents } from './commands/events';
import { registerFanOuts } from './commands/fan-outs';
import { registerJourneys } from './commands/journeys';
import { registerKeys } from './commands/keys';
import { registerReplay } from './commands/replay';
import { registerStats } from './commands/stats';
import { DEFAULT_TEMPORAL, DEFAULT_URL } from './context';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('hookway')
    .description('Operate Hookway: campaigns, journeys, deliveries, events, replays, stats and access keys.')
    .version(packageVersion())
    .addOption(new Option('--url <url>', 'gateway URL').env('HOOKWAY_URL').default(DEFAULT_URL))
    .addOption(
      new Option('--api-key <key>', 'API key (default: the file <HOOKWAY_DATA_DIR or .data>/api-key)').env(
        'HOOKWAY_API_KEY',
      ),
    )
    .addOption(
      new Option('--temporal <address>', 'Temporal frontend address').env('TEMPORAL_ADDRESS').default(DEFAULT_TEMPORAL),
    )
    .addOption(new Option('--namespace <name>', 'Temporal namespace').default('default'))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help to see the usage)');
  registerCampaigns(program);
  registerJourneys(program);
  registerReplay(program);
  registerDeliveries(program);
  registerEvents(program);
  registerFanOuts(program);
  registerStats(program);
  registerKeys(program);
  return program;
}
