import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ClientRequest } from 'node:http';
import net from 'node:net';
import { resolveChecked, type AddressPolicy } from './address-guard';

type ConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * Webhooks through an explicitly configured proxy (HOOKWAY_WEBHOOK_PROXY), still under the SSRF
 * guard: the target is resolved and checked here, and the proxy is asked to CONNECT to the
 * checked address, never to the name, so it cannot reach anything the guard refused. The
 * request keeps its Host header, and TLS its server name and certificate check, for the name.
 * Plain-http targets are tunnelled too: a proxy given an absolute URL with an address would
 * replace the Host header with that address.
 */
export class PinnedProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly policy: AddressPolicy,
  ) {
    super(proxy, { keepAlive: true });
  }

  override async connect(req: ClientRequest, opts: ConnectOpts): Promise<net.Socket> {
    const name = opts.host!;
    const address = await resolveChecked(name, this.policy);
    let proxyStatus: number | undefined;
    req.once('proxyConnect', (answer: { statusCode: number }) => (proxyStatus = answer.statusCode));
    const pinned = opts.secureEndpoint
      ? { ...opts, host: address, servername: opts.servername ?? (net.isIP(name) ? undefined : name) }
      : { ...opts, host: address };
    const socket = await super.connect(req, pinned);
    if (proxyStatus !== 200) {
      // Its answer would otherwise be taken for the receiver's.
      socket.destroy();
      throw new Error(`the webhook proxy refused to connect to ${address}:${opts.port} (status ${proxyStatus})`);
    }
    return socket;
  }
}
