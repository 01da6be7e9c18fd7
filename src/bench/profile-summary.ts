// `node dist/src/bench/profile-summary.js x.cpuprofile`: where a process spent its CPU, from a
// V8 profile written by `npm run bench -- --cpu-prof DIR`: self time by function and by package.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), Hookway's own folder, or node's internals. */
function packageOf(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.includes('/dist/')) return `hookway:${url.split('/dist/')[1].split('/').slice(0, 2).join('/')}`;
  return url.startsWith('node:') ? 'node' : url === '' ? '(native, gc, idle)' : url;
}

function top(totals: Map<string, number>, all: number, n: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([name, us]) =>
        `${((us / all) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
}

function summarise(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    all += us;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + us);
  });
  return [
    `${file}: ${(all / 1e6).toFixed(1)} s sampled`,
    'by package:',
    ...top(byPackage, all, 12),
    'by function (self time):',
    ...top(byFunction, all, 15),
  ].join('\n');
}

for (const file of process.argv.slice(2)) console.log(`${summarise(file)}\n`);
