/**
 * @module trace/format
 * Pure parser for tracefs event `format` files, and the kernel-side filter expressions built
 * from them. Fields differ between kernels (`tcp_send_reset` gained `state` and `reason`; some
 * kernels print ports, others sockaddrs), so filters only name fields the format lists.
 */

/** One `field:` line of a format file. */
export interface EventField {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
}

/** A parsed format file. */
export interface EventFormat {
  readonly name: string;
  readonly id: number;
  readonly fields: readonly EventField[];
  readonly printFmt: string;
}

/**
 * Parses a tracefs `events/<system>/<event>/format` file.
 * @example parseEventFormat(text).fields.map((f) => f.name) // ['common_type', …, 'sport', 'dport', …]
 */
export function parseEventFormat(text: string): EventFormat {
  let name = '';
  let id = -1;
  let printFmt = '';
  const fields: EventField[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('name:')) name = line.slice(5).trim();
    else if (line.startsWith('ID:')) id = Number(line.slice(3).trim());
    else if (line.startsWith('print fmt:')) printFmt = line.slice(10).trim();
    else if (line.startsWith('field:')) {
      const f = parseFieldLine(line);
      if (f) fields.push(f);
    }
  }
  return { name, id, fields, printFmt };
}

function parseFieldLine(line: string): EventField | undefined {
  // field:__u16 sport;	offset:24;	size:2;	signed:0;
  const parts = line.split(';').map((p) => p.trim());
  const decl = (parts[0] ?? '').slice(6).trim();
  const get = (key: string): number => {
    const p = parts.find((x) => x.startsWith(`${key}:`));
    return p === undefined ? NaN : Number(p.slice(key.length + 1));
  };
  const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)(\[\d*\])?$/.exec(decl);
  if (!m) return undefined;
  return {
    name: m[2] as string,
    type: `${(m[1] as string).trim()}${m[3] ?? ''}`,
    offset: get('offset'),
    size: get('size'),
    signed: get('signed') === 1,
  };
}

/** Does the format list a field of that name? */
export function hasField(format: EventFormat | undefined, name: string): boolean {
  return format?.fields.some((f) => f.name === name) ?? false;
}

/**
 * The names of a `__print_symbolic(REC-><field>, { 0, "A" }, …)` table in the print format, in
 * order; e.g. every reset reason the kernel knows.
 * @example symbolNames(fmt.printFmt, 'reason') // ['NOT_SPECIFIED', 'NO_SOCKET', …]
 */
export function symbolNames(printFmt: string, field: string): string[] {
  const start = printFmt.indexOf(`__print_symbolic(REC->${field},`);
  if (start < 0) return [];
  let depth = 0;
  let end = start;
  for (let i = start; i < printFmt.length; i++) {
    const c = printFmt[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  const names: string[] = [];
  for (const m of printFmt.slice(start, end).matchAll(/\{\s*[^,}]+,\s*"([^"]+)"\s*\}/g))
    names.push(m[1] as string);
  return names;
}

/** What the tracer wants filtered in the kernel. */
export interface FilterWants {
  readonly ports: readonly number[];
  readonly signals: readonly number[];
  readonly pids: readonly number[];
}

function portClause(format: EventFormat, ports: readonly number[]): string | undefined {
  if (ports.length === 0) return undefined;
  if (!hasField(format, 'sport') || !hasField(format, 'dport')) return undefined;
  return ports.map((p) => `sport == ${p} || dport == ${p}`).join(' || ');
}

/**
 * The filter expression for one event, using only fields its format has; '' means no filter.
 * @example buildFilter('inet_sock_set_state', fmt, { ports: [8006], signals: [], pids: [] })
 *   // 'protocol == 6 && (sport == 8006 || dport == 8006)'
 */
export function buildFilter(event: string, format: EventFormat, wants: FilterWants): string {
  const and: string[] = [];
  if (event === 'signal_generate') {
    if (hasField(format, 'sig') && wants.signals.length > 0)
      and.push(wants.signals.map((s) => `sig == ${s}`).join(' || '));
  } else if (event === 'sched_process_exit') {
    if (hasField(format, 'group_dead')) and.push('group_dead == 1');
    if (wants.pids.length > 0 && hasField(format, 'pid'))
      and.push(wants.pids.map((p) => `pid == ${p}`).join(' || '));
  } else if (event.startsWith('sys_exit_')) {
    if (wants.pids.length > 0) and.push(wants.pids.map((p) => `common_pid == ${p}`).join(' || '));
    else if (hasField(format, 'ret')) and.push('ret == -32 || ret == -104'); // EPIPE, ECONNRESET only
  } else {
    if (hasField(format, 'protocol')) and.push('protocol == 6');
    const ports = portClause(format, wants.ports);
    if (ports !== undefined) and.push(ports);
  }
  if (and.length === 0) return '';
  if (and.length === 1) return and[0] as string;
  return and.map((c) => (c.includes('||') ? `(${c})` : c)).join(' && ');
}
