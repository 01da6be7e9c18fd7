import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { allOk, type ServiceHealth } from '../health-check';

/**
 * A bare HTTP server for processes without an HTTP API (the worker): GET /metrics, and GET
 * /healthz (200, or 503 with the reason) when given a health check.
 */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  checkHealth?: () => Promise<ServiceHealth>,
): Promise<{ url: string; server: Server }> {
  const server = http.createServer((req, res) => {
    const json = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/healthz' && checkHealth) {
      void checkHealth().then((services) =>
        allOk(services) ? json(200, { status: 'ok', services }) : json(503, { status: 'unavailable', services }),
      );
      return;
    }
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { url: `http://${host}:${(server.address() as AddressInfo).port}/metrics`, server };
}
