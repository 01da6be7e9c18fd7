import dns from 'node:dns';
import net from 'node:net';

// Webhook URLs come from campaign authors, so without this guard a delivery
// could be aimed at the worker's own network: loopback services, the cloud
// metadata endpoint, databases on private ranges.

type IpVersion = 'ipv4' | 'ipv6';
type Range = readonly [network: string, prefix: number];

const REFUSED: ReadonlyArray<{ kind: string; family: IpVersion; ranges: Range[] }> = [
  { kind: 'a "this network" address', family: 'ipv4', ranges: [['0.0.0.0', 8]] },
  {
    kind: 'a private address',
    family: 'ipv4',
    ranges: [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
  },
  { kind: 'a shared (carrier-grade NAT) address', family: 'ipv4', ranges: [['100.64.0.0', 10]] },
  { kind: 'a loopback address', family: 'ipv4', ranges: [['127.0.0.0', 8]] },
  {
    kind: 'a link-local address (this range holds cloud metadata endpoints)',
    family: 'ipv4',
    ranges: [['169.254.0.0', 16]],
  },
  { kind: 'an IETF protocol assignment address', family: 'ipv4', ranges: [['192.0.0.0', 24]] },
  { kind: 'a benchmarking address', family: 'ipv4', ranges: [['198.18.0.0', 15]] },
  { kind: 'a multicast address', family: 'ipv4', ranges: [['224.0.0.0', 4]] },
  { kind: 'a reserved or broadcast address', family: 'ipv4', ranges: [['240.0.0.0', 4]] },
  { kind: 'the unspecified address', family: 'ipv6', ranges: [['::', 128]] },
  { kind: 'a loopback address', family: 'ipv6', ranges: [['::1', 128]] },
  {
    kind: 'a unique-local address (this range holds cloud metadata endpoints)',
    family: 'ipv6',
    ranges: [['fc00::', 7]],
  },
  { kind: 'a link-local address', family: 'ipv6', ranges: [['fe80::', 10]] },
  { kind: 'a multicast address', family: 'ipv6', ranges: [['ff00::', 8]] },
  // Local-use NAT64 (RFC 8215) translates to IPv4 hosts of the operator's own network.
  { kind: 'a local-use NAT64 address', family: 'ipv6', ranges: [['64:ff9b:1::', 48]] },
];

const REFUSED_LISTS = REFUSED.map(({ kind, family, ranges }) => {
  const list = new net.BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

export class AddressRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`Refused to connect: ${reason}`);
    this.name = 'AddressRefusedError';
  }
}

export class AddressPolicy {
  private readonly allowPrivate: boolean;
  private readonly allowed = new net.BlockList();

  constructor(opts: { allowPrivate: boolean; allowedCidrs: string[] }) {
    this.allowPrivate = opts.allowPrivate;
    for (const cidr of opts.allowedCidrs) {
      const [network, prefix] = parseCidr(cidr);
      this.allowed.addSubnet(network, prefix, familyOf(network));
    }
  }

  /** Why a connection to `ip` is not allowed, or undefined when it is. */
  refusalReason(ip: string): string | undefined {
    if (this.allowPrivate) return undefined;
    const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not an address
    if (!net.isIP(address)) return `${ip} is not an IP address`;
    const embedded = embeddedIpv4(address);
    const effective = embedded ?? address;
    const family = familyOf(effective);
    if (this.allowed.check(address, familyOf(address)) || this.allowed.check(effective, family)) {
      return undefined;
    }
    const match = REFUSED_LISTS.find((r) => r.family === family && r.list.check(effective, family));
    if (!match) return undefined;
    return embedded === undefined ? `${ip} is ${match.kind}` : `${ip} embeds ${embedded}, which is ${match.kind}`;
  }
}

type Resolved = { address: string; family: 4 | 6 };

/** Node's `lookup` option, with the family narrowed to what axios's typings demand. */
export type GuardedLookup = (
  hostname: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | Resolved[], family?: 4 | 6) => void,
) => void;

/**
 * A drop-in for dns.lookup (the `lookup` option of http.request and axios).
 * The connection goes only to addresses this function checked, so a second,
 * different DNS answer cannot slip a private address past the guard.
 */
export function guardedLookup(policy: AddressPolicy): GuardedLookup {
  return (hostname, options, callback) => {
    const { family, hints } = options;
    dns.lookup(hostname, { all: true, family, hints }, (err, found) => {
      if (err) return callback(err, '');
      const addresses = found.map((a): Resolved => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
      for (const { address } of addresses) {
        const reason = policy.refusalReason(address);
        if (reason) return callback(new AddressRefusedError(`${reason} (resolved from ${hostname})`), '');
      }
      // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily);
      // all of them passed the check, so handing them all over is just as safe.
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Node connects to an IP-literal host without calling `lookup`, so those are checked here. */
export function checkLiteralHost(url: URL, policy: AddressPolicy): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!net.isIP(host)) return;
  const reason = policy.refusalReason(host);
  if (reason) throw new AddressRefusedError(reason);
}

function parseCidr(cidr: string): [string, number] {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const version = match ? net.isIP(match[1]) : 0;
  const prefix = match ? Number(match[2]) : NaN;
  if (!match || version === 0 || prefix > (version === 4 ? 32 : 128)) {
    throw new Error(`Invalid CIDR in allowed list: "${cidr}" (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  }
  return [match[1], prefix];
}

function familyOf(ip: string): IpVersion {
  return net.isIPv4(ip) ? 'ipv4' : 'ipv6';
}

/**
 * The IPv4 address an IPv6 address carries when connecting to it reaches that IPv4 host:
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible
 * (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::, the IPv4 in groups 1-2).
 */
function embeddedIpv4(ip: string): string | undefined {
  if (!net.isIPv6(ip)) return undefined;
  const groups = ipv6Groups(ip);
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const dotted = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  if (groups[0] === 0x2002) return dotted(groups[1], groups[2]);
  const mapped = zero(0, 5) && groups[5] === 0xffff;
  const translated = zero(0, 4) && groups[4] === 0xffff && groups[5] === 0;
  const compatible = zero(0, 6) && (groups[6] !== 0 || groups[7] > 1); // :: and ::1 are their own kinds
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6);
  return mapped || translated || compatible || nat64 ? dotted(groups[6], groups[7]) : undefined;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(ip: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const hex = dotted
    ? ip.slice(0, dotted.index) +
      [((+dotted[1] << 8) | +dotted[2]).toString(16), ((+dotted[3] << 8) | +dotted[4]).toString(16)].join(':')
    : ip;
  const [head, tail] = hex.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** The address to connect to for `hostname`, once every address it resolves to passed the policy. */
export function resolveChecked(hostname: string, policy: AddressPolicy): Promise<string> {
  const lookup = guardedLookup(policy);
  return new Promise((resolve, reject) =>
    lookup(hostname, {}, (err, address) => (err ? reject(err) : resolve(address as string))),
  );
}
