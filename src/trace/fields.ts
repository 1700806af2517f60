/**
 * @module trace/fields
 * Field readers for trace_pipe event bodies (`key=value` text as the kernel's print formats
 * produce it): states, sockaddrs, endpoints in both the port and sockaddr layouts, syscall
 * return values. Pure.
 */
import { TCP_STATES, type Endpoint, type TcpState } from '../events.js';

/** Key=value pairs of an event body (`a=1 b=x`); a value runs to the next space. */
export function parseKeyValues(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = body.length;
  while (i < n) {
    let sp = body.indexOf(' ', i);
    if (sp < 0) sp = n;
    const eq = body.indexOf('=', i);
    if (eq > i && eq < sp) out.set(body.slice(i, eq), body.slice(eq + 1, sp));
    i = sp + 1;
  }
  return out;
}

/**
 * The value of `key` in an event body without splitting it all (the hot path): `key` must start
 * the body or follow a space; the value runs to the next space.
 */
export function bodyField(body: string, key: string): string | undefined {
  let at: number;
  if (body.startsWith(key) && body.charCodeAt(key.length) === 61 /* = */) at = 0;
  else {
    at = body.indexOf(` ${key}=`);
    if (at < 0) return undefined;
    at++;
  }
  const start = at + key.length + 1;
  const end = body.indexOf(' ', start);
  return end < 0 ? body.slice(start) : body.slice(start, end);
}

/** `TCP_FIN_WAIT2` → `FIN_WAIT2`; unknown names are rejected. */
export function parseTcpState(text: string | undefined): TcpState | undefined {
  if (text === undefined) return undefined;
  const s = text.startsWith('TCP_') ? text.slice(4) : text;
  return STATES.has(s) ? (s as TcpState) : undefined;
}

const STATES = new Set<string>(TCP_STATES);

/** `127.0.0.1:80` or `[::1]:80` (the kernel's `%pISpc`) → endpoint. */
export function parseSockaddr(text: string | undefined): Endpoint | undefined {
  if (text === undefined) return undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let addr = text.slice(0, colon);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { addr: unmapV4(addr), port };
}

export function unmapV4(addr: string): string {
  return addr.startsWith('::ffff:') && addr.indexOf('.') > 0 ? addr.slice(7) : addr;
}

/** The two endpoints from `family= sport= dport= saddr= daddr= saddrv6= daddrv6=` fields. */
export function portEndpoints(
  body: string,
): { local: Endpoint; remote: Endpoint; family: 4 | 6 } | undefined {
  const sport = Number(bodyField(body, 'sport'));
  const dport = Number(bodyField(body, 'dport'));
  if (!Number.isInteger(sport) || !Number.isInteger(dport)) return undefined;
  const v6 = bodyField(body, 'family') === 'AF_INET6';
  const saddr = v6 ? bodyField(body, 'saddrv6') : (bodyField(body, 'saddr') ?? bodyField(body, 'saddrv6'));
  const daddr = v6 ? bodyField(body, 'daddrv6') : (bodyField(body, 'daddr') ?? bodyField(body, 'daddrv6'));
  if (saddr === undefined || daddr === undefined) return undefined;
  return {
    local: { addr: unmapV4(saddr), port: sport },
    remote: { addr: unmapV4(daddr), port: dport },
    family: v6 ? 6 : 4,
  };
}

export function endpointsOf(body: string): { local: Endpoint; remote: Endpoint } | undefined {
  const src = parseSockaddr(bodyField(body, 'src'));
  const dst = parseSockaddr(bodyField(body, 'dest'));
  if (src && dst) return { local: src, remote: dst };
  return portEndpoints(body);
}

export function parseSyscallRet(text: string): number {
  const t = text.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return Number(BigInt.asIntN(64, BigInt(t)));
  return /^-?\d+$/.test(t) ? Number(t) : NaN;
}
