/**
 * The network policy (`allowed_hosts`, SPEC §6, issue 16 §2): where a connector may connect.
 *
 * A connector is a way to make the sidecar open connections, so without a policy it reaches
 * whatever the sidecar's network reaches — the target database itself (trust auth on loopback),
 * a local MariaDB as root, the sidecar's own HTTP port. Therefore:
 *
 * - An empty list allows public addresses only: loopback, link-local, private (RFC 1918, ULA,
 *   CGNAT), unspecified, multicast and reserved addresses are refused.
 * - A non-empty list allows exactly its entries: host names, IP addresses or CIDR ranges, each
 *   with an optional port (`127.0.0.1:33306`, `db.example.com:3306`, `10.0.0.0/8:5432`,
 *   `[::1]:5432`). An entry without a port allows every port.
 * - The target server itself is refused unless an entry names its port: a DBA can allow a local
 *   source (`127.0.0.1:3306`) without allowing the target (`127.0.0.0/8` does not include it).
 * - Unix-socket paths are always refused; connectors speak TCP only.
 *
 * Every address the name resolves to is checked, and the caller connects to the returned
 * address, never to the name again: a DNS answer cannot change between check and connect.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { SourceRequest } from '../providers/provider.js';
import { readTargetListenRow } from './sidecar-store.js';

/** Where the target database listens: connecting there through a connector is refused. */
export interface TargetEndpoint {
  port: number;
  addresses: ReadonlySet<string>;
  /** The target runs on this machine: every loopback address at its port reaches it too. */
  local: boolean;
}

interface Rule {
  /** Lower-cased host name without a trailing dot, or undefined for an address/CIDR rule. */
  name?: string;
  subnet?: net.BlockList;
  port?: number;
}

type Family = 'ipv4' | 'ipv6';

const NON_PUBLIC = new net.BlockList();
for (const [base, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(base, bits, 'ipv4');
for (const [base, bits] of [
  ['::', 128], ['::1', 128], ['fe80::', 10], ['fc00::', 7], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32],
] as const) NON_PUBLIC.addSubnet(base, bits, 'ipv6');

/**
 * Checks `server:port` against the policy and returns the address to connect to. Throws
 * INVALID_PARAMETERS (1502) when the policy refuses it, SOURCE_UNREACHABLE when the name does
 * not resolve.
 */
export async function checkDestination(server: string, port: number, allowed: readonly string[], target: TargetEndpoint): Promise<string> {
  if (server.includes('/') || server.startsWith('@')) {
    throw refused(`Server ${server} is a Unix-socket path; connectors connect over TCP only (give a host name or IP address).`);
  }
  const rules = allowed.map(parseRule);
  const name = normaliseName(server);
  const addresses = await resolveAll(server);
  for (const address of addresses) {
    const where = address === name ? `${server}:${port}` : `${server}:${port} (${address})`;
    const isTarget = target.port === port && (target.addresses.has(address) || (target.local && isLoopback(address)));
    if (rules.length === 0) {
      if (isTarget) throw refused(`${where} is this database's own server; connectors may not connect to it. ${askToList(address, port)}`);
      if (NON_PUBLIC.check(address, familyOf(address))) {
        throw refused(`${where} is a loopback, private or otherwise non-public address, which an empty allowed_hosts setting refuses. ${askToList(address, port)}`);
      }
      continue;
    }
    const matching = rules.filter((rule) => matches(rule, name, address, port));
    if (matching.length === 0) {
      throw refused(`Server ${where} is not in the allowed_hosts setting of this database; ask the administrator to allow it.`);
    }
    if (isTarget && !matching.some((rule) => rule.port !== undefined)) {
      throw refused(`${where} is this database's own server, which an allowed_hosts entry without a port does not allow. ${askToList(address, port)}`);
    }
  }
  return addresses[0]!;
}

function askToList(address: string, port: number): string {
  const entry = familyOf(address) === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;
  return `To allow it, an administrator adds "${entry}" to the allowed_hosts setting.`;
}

function refused(message: string): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS', message);
}

function matches(rule: Rule, name: string, address: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.name !== undefined) return rule.name === name;
  return rule.subnet!.check(address, familyOf(address));
}

/**
 * One entry, already validated by cdb_connectors.is_host_pattern: `host`, `ip`, `cidr`, each
 * optionally followed by `:port`; IPv6 with a port in brackets.
 */
export function parseRule(entry: string): Rule {
  let host = entry.trim();
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else {
    const withPort = /^([^:]+):(\d+)$/.exec(host);
    if (withPort) {
      host = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  const [base, bits] = host.split('/') as [string, string | undefined];
  if (net.isIP(base) === 0) return { name: normaliseName(host), ...(port !== undefined ? { port } : {}) };
  // a mapped range (`::ffff:10.0.0.0/104`) is the IPv4 range it carries (`10.0.0.0/8`)
  const ip = mappedIpv4(base) ?? base;
  const family = familyOf(ip);
  const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits) - (ip !== base ? 96 : 0);
  const subnet = new net.BlockList();
  subnet.addSubnet(ip, prefix, family);
  return { subnet, ...(port !== undefined ? { port } : {}) };
}

function normaliseName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function familyOf(address: string): Family {
  return net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `::ffff:10.1.2.3` → `10.1.2.3`: a mapped address is the IPv4 address it carries. */
function mappedIpv4(address: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1];
}

/** One spelling per address, so that set lookups and comparisons agree: IPv4 for mapped, lower case, no zone. */
function canonicalAddress(address: string): string {
  return mappedIpv4(address) ?? address.toLowerCase().replace(/%.*$/, '');
}

async function resolveAll(server: string): Promise<string[]> {
  const literal = server.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(literal)) return [canonicalAddress(literal)];
  try {
    const found = await dns.lookup(server, { all: true, verbatim: true });
    if (found.length > 0) return found.map((a) => canonicalAddress(a.address));
  } catch (err) {
    throw new ConnectorError('SOURCE_UNREACHABLE',
      `Cannot resolve the server name ${server} (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}); check the server parameter.`, { cause: err });
  }
  throw new ConnectorError('SOURCE_UNREACHABLE', `The server name ${server} resolves to no address; check the server parameter.`);
}

/**
 * Where the target listens, as seen from its own session: the address and port this connection
 * reached, the addresses in listen_addresses, and — when the target runs on this machine, as
 * with a Unix socket or loopback — every address of this machine at its port.
 */
export async function readTargetEndpoint(db: pg.Pool | pg.ClientBase): Promise<TargetEndpoint> {
  const row = await readTargetListenRow(db);
  const addr = row.addr === null ? null : canonicalAddress(row.addr);
  const local = localAddresses();
  const addresses = new Set<string>(addr === null ? [] : [addr]);
  for (const l of row.listen.split(',').map((s) => s.trim())) {
    if (l === '' || l === '*' || l === '0.0.0.0' || l === '::') continue;
    try {
      for (const a of await dns.lookup(l, { all: true })) addresses.add(canonicalAddress(a.address));
    } catch { /* a name the server could not bind either */ }
  }
  const onThisMachine = addr === null || isLoopback(addr) || local.has(addr);
  if (onThisMachine) for (const a of local) addresses.add(a);
  return { port: row.port ?? Number(row.setting_port), addresses, local: onThisMachine };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

function localAddresses(): Set<string> {
  const found = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) found.add(canonicalAddress(a.address));
  return found;
}

/**
 * Where the target listens changes only with a restart of the target (port, listen_addresses) or
 * of this machine's interfaces: read once a minute per pool rather than with a query and DNS
 * lookups for every job and request.
 */
const TARGET_ENDPOINT_TTL_MS = 60_000;
const targetEndpoints = new WeakMap<object, { at: number; endpoint: Promise<TargetEndpoint> }>();

function cachedTargetEndpoint(db: pg.Pool | pg.ClientBase): Promise<TargetEndpoint> {
  const hit = targetEndpoints.get(db);
  if (hit && Date.now() - hit.at < TARGET_ENDPOINT_TTL_MS) return hit.endpoint;
  const endpoint = readTargetEndpoint(db);
  targetEndpoints.set(db, { at: Date.now(), endpoint });
  endpoint.catch(() => { // a failed read is not remembered
    if (targetEndpoints.get(db)?.endpoint === endpoint) targetEndpoints.delete(db);
  });
  return endpoint;
}

/** `request` with the checked address to connect to; throws when the policy refuses it. */
export async function withCheckedAddress(request: SourceRequest, allowed: readonly string[], db: pg.Pool | pg.ClientBase): Promise<SourceRequest> {
  const { server, port } = request.connection;
  const address = await checkDestination(server, port, allowed, await cachedTargetEndpoint(db));
  return { ...request, connection: { ...request.connection, address } };
}
