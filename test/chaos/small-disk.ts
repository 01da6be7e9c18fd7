// The data folder on a disk of its own: a tmpfs mounted by the harness (root on Linux only).
// Filling it is the real fault: every write by FerretDB, Temporal and the parts' logs fails with
// ENOSPC until the filler file is removed. To fill it in an instant, without holding its whole
// size in memory, the disk is first shrunk to what is used plus a little, which a file then fills.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHUNK = Buffer.alloc(1024 * 1024);
const FILLER = '.disk-filler';
const MB = 1024 * 1024;
/** Room left above what is used when the disk is shrunk, for the filler to take. */
const SLACK_MB = 16;

export class SmallDisk {
  private constructor(
    readonly dir: string,
    private readonly sizeMb: number,
  ) {}

  /** Mounts a tmpfs of `sizeMb` at `dir`, or says why it cannot. */
  static async mount(dir: string, sizeMb: number): Promise<SmallDisk | { unavailable: string }> {
    mkdirSync(dir, { recursive: true });
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir]);
      return new SmallDisk(dir, sizeMb);
    } catch (err) {
      return { unavailable: `cannot mount a tmpfs for the data folder: ${(err as Error).message.trim()}` };
    }
  }

  private resize(sizeMb: number): Promise<unknown> {
    return run('mount', ['-o', `remount,size=${sizeMb}m`, this.dir]);
  }

  /** Shrinks the disk to what is used plus a little, then writes a file until it refuses more. */
  async fill(): Promise<void> {
    const s = await statfs(this.dir);
    await this.resize(Math.ceil(((s.blocks - s.bfree) * s.bsize) / MB) + SLACK_MB);
    const file = await open(path.join(this.dir, FILLER), 'a');
    try {
      for (const size of [CHUNK.length, 4096]) {
        for (;;) {
          try {
            await file.write(CHUNK, 0, size);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      }
    } finally {
      await file.close();
    }
  }

  /** Removes the filler and gives the disk its size back: it has room again. */
  async release(): Promise<void> {
    await rm(path.join(this.dir, FILLER), { force: true });
    await this.resize(this.sizeMb);
  }

  async unmount(): Promise<void> {
    await run('umount', [this.dir]);
  }
}
