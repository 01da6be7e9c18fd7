// A part's output appended to its log file. The file lives in the data folder, on the same disk
// as the databases: when that disk is full a write fails with ENOSPC, and an unhandled stream
// error would stop `npm start` itself. Here a failed write drops the output (the part must keep
// being read, or it blocks on a full pipe) and, a second later, the next write opens the file
// again and notes how much was dropped.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

const REOPEN_AFTER_MS = 1_000;

export class LogFile {
  private stream?: WriteStream;
  private brokenAt = 0;
  private droppedBytes = 0;
  private lastError = '';

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  write(chunk: Buffer | string): void {
    if (!this.stream && Date.now() - this.brokenAt < REOPEN_AFTER_MS) {
      this.droppedBytes += chunk.length;
      return;
    }
    this.stream ??= this.open();
    this.stream.write(chunk);
  }

  /** Once the part has exited and its output is read: the file is not held open (a disk can be unmounted). */
  close(): void {
    this.stream?.end();
    this.stream = undefined;
  }

  private open(): WriteStream {
    const stream = createWriteStream(this.file, { flags: 'a' });
    stream.on('error', (err) => {
      // What was queued on the broken stream is lost; a later write starts a new one.
      this.droppedBytes += stream.writableLength;
      this.lastError = err.message;
      this.brokenAt = Date.now();
      if (this.stream === stream) this.stream = undefined;
      stream.destroy();
    });
    if (this.droppedBytes > 0) {
      stream.write(`[hookway] ${this.droppedBytes} bytes of output were dropped: ${this.lastError}\n`);
      this.droppedBytes = 0;
    }
    return stream;
  }
}
