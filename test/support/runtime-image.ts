// The runtime image's file set without Docker: the Dockerfile's last stage says which paths
// it copies; this assembles exactly those from the built working tree (node_modules holding
// the production dependencies only, as `npm prune --omit=dev` leaves them) in a folder.
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** The repository root (dist/test/support is three levels down). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
const APP_DIR = '/app/';

export interface ImageCopy {
  /** Path in the repository (the build stage is a checkout plus dist/ and node_modules/). */
  source: string;
  /** Path inside the image's working directory. */
  target: string;
}

/** The COPY instructions of the Dockerfile's final stage, as repository paths and image paths. */
export function runtimeImageCopies(dockerfile: string): ImageCopy[] {
  let copies: ImageCopy[] = [];
  for (const line of dockerfile.split('\n').map((text) => text.trim())) {
    // Each FROM starts a stage; only the last one's files end up in the image.
    if (/^FROM\s/i.test(line)) copies = [];
    if (!/^COPY\s/i.test(line)) continue;
    const words = line
      .split(/\s+/)
      .slice(1)
      .filter((word) => !word.startsWith('--'));
    const target = words.pop()!;
    for (const word of words) {
      const source = word.startsWith(APP_DIR) ? word.slice(APP_DIR.length) : word;
      const intoFolder = target.endsWith('/') || words.length > 1;
      copies.push({ source, target: path.normalize(intoFolder ? path.join(target, path.basename(source)) : target) });
    }
  }
  return copies;
}

/** Hard links a tree (cheap, same file system), leaving out nested node_modules when asked. */
function linkTree(from: string, to: string, skipNodeModules: boolean): void {
  const stat = lstatSync(from);
  if (stat.isSymbolicLink()) return symlinkSync(readlinkSync(from), to);
  if (!stat.isDirectory()) return linkSync(from, to);
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (skipNodeModules && entry === 'node_modules') continue;
    linkTree(path.join(from, entry), path.join(to, entry), skipNodeModules);
  }
}

/** Every installed package folder that a production install keeps. */
function productionPackages(): string[] {
  let listing: string;
  try {
    listing = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT, encoding: 'utf8' });
  } catch (err) {
    // npm ls exits non-zero on warnings such as extraneous packages, still listing the tree.
    listing = (err as { stdout: string }).stdout;
  }
  const folders = listing.split('\n').map((line) => path.relative(REPO_ROOT, line.trim()));
  return [...new Set(folders.filter((folder) => folder.startsWith('node_modules')))];
}

/** Builds the image's /app in dir from the Dockerfile's runtime stage. */
export function assembleRuntimeImage(dir: string): ImageCopy[] {
  const copies = runtimeImageCopies(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  for (const { source, target } of copies) {
    if (source === 'node_modules') {
      for (const folder of productionPackages()) {
        linkTree(path.join(REPO_ROOT, folder), path.join(dir, target, path.relative('node_modules', folder)), true);
      }
    } else {
      mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
      linkTree(path.join(REPO_ROOT, source), path.join(dir, target), false);
    }
  }
  return copies;
}
