/**
 * The `allowed_hosts` setting (SPEC §6): host names, IP addresses or CIDRs. Checked before
 * connecting, on the name the user gave AND on every address it resolves to, so a DNS name
 * cannot smuggle a denied address past a CIDR rule.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { ConnectorError } from '../errors.js';

export async function assertHostAllowed(server: string, allowed: readonly string[]): Promise<void> {
  if (allowed.length === 0) return;
  const host = server.toLowerCase();
  if (allowed.some((rule) => rule.toLowerCase() === host)) return;
  const addresses = net.isIP(host) ? [host] : await resolveAll(host);
  if (addresses.length > 0 && addresses.every((address) => allowed.some((rule) => matchesRule(address, rule)))) return;
  throw new ConnectorError('INVALID_PARAMETERS',
    `Server ${server} is not in the allowed_hosts setting of this database; ask the administrator to allow it.`);
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await dns.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

function matchesRule(address: string, rule: string): boolean {
  const [base, bitsText] = rule.split('/');
  if (!base || net.isIP(base) === 0) return false;
  if (bitsText === undefined) return normalise(address) === normalise(base);
  const list = new net.BlockList();
  const family = net.isIP(base) === 6 ? 'ipv6' : 'ipv4';
  list.addSubnet(base, Number(bitsText), family);
  return list.check(address, net.isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function normalise(address: string): string {
  return address.replace(/^::ffff:/, '');
}
