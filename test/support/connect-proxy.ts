import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/**
 * A real forward proxy on loopback that tunnels CONNECT requests (and answers anything else 405),
 * recording every connection it accepts and every CONNECT target it is asked for.
 */
export class ConnectProxy {
  connections = 0;
  readonly targets: string[] = [];
  private readonly server = http.createServer((_req, res) => res.writeHead(405).end());

  private constructor() {
    this.server.on('connection', () => this.connections++);
    this.server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      this.targets.push(req.url!);
      const { hostname, port } = new URL(`http://${req.url}`);
      const upstream = net.connect(Number(port), hostname.replace(/^\[(.*)\]$/, '$1'), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      client.on('error', () => upstream.destroy());
    });
  }

  static async start(): Promise<ConnectProxy> {
    const proxy = new ConnectProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
