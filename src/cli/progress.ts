// A one-line progress bar redrawn with \r, only for a person watching a terminal: piped or
// --json output stays clean.

const WIDTH = 24;

export interface Progress {
  update(done: number, total: number): void;
  end(): void;
}

export function progressBar(label: string, enabled = Boolean(process.stdout.isTTY)): Progress {
  let drawn = false;
  return {
    update(done, total) {
      if (!enabled) return;
      const filled = total > 0 ? Math.min(WIDTH, Math.round((done / total) * WIDTH)) : 0;
      process.stdout.write(`\r${label} ${done}/${total} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`);
      drawn = true;
    },
    end() {
      if (drawn) process.stdout.write('\r\x1b[K');
      drawn = false;
    },
  };
}
