import net from 'node:net';

/**
 * Ports are picked below 32768: Linux hands out 32768–60999 to outgoing connections, so a free
 * port from there may be taken by any client connecting somewhere between this check and the
 * server's bind (a busy test run met "address already in use" that way). Below 32768 also suits
 * Temporal's membership table, which keeps a port in a 16-bit signed column.
 */
const LOWEST = 10_000;
const RANGE = 22_000;
/** Ports handed out by this process, never handed out twice before their servers bind. */
const given = new Set<number>();

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago, for servers that need a fixed port. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOWEST + Math.floor(Math.random() * RANGE);
    if (given.has(port)) continue;
    if (await isFree(port)) {
      given.add(port);
      return port;
    }
  }
}
