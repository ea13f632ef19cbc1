/** Rendering for people: aligned tables, key/value blocks, masked addresses. */

import { isInexactNumber } from '../shared/domain/numbers.js';

/** A table column: its header and how its cells align (numbers right). */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

const width = (text: string): number => [...text].length;

const pad = (text: string, size: number, align: 'left' | 'right'): string => {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? `${fill}${text}` : `${text}${fill}`;
};

/**
 * Text typed in the console (a `statusReason`, an `updatedBy`) as one line:
 * a line break shows as ↵ and any other control character as �, so a
 * reason cannot add a row to a table or send a terminal escape.
 */
export const oneLine = (text: string): string =>
  text.replace(/\r\n|\r|\n/g, ' ↵ ').replace(/\p{Cc}/gu, '\uFFFD');

/** Renders rows under a header, columns separated by two spaces, with no trailing blanks. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => r.map(oneLine));
  const sizes = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (row: readonly string[]) =>
    columns
      .map((c, i) => pad(row[i] ?? '', sizes[i] ?? 0, c.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = sizes.map((s) => '-'.repeat(s)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...cells.map((r) => line(r))].join('\n');
}

/** Renders `label: value` lines with the values aligned; undefined values are left out. */
export function renderFields(fields: readonly (readonly [string, string | number | undefined])[]): string {
  const present = fields.filter((f): f is readonly [string, string | number] => f[1] !== undefined);
  const size = Math.max(0, ...present.map(([label]) => width(label)));
  return present
    .map(([label, value]) => `${pad(`${label}:`, size + 1, 'left')} ${oneLine(String(value))}`)
    .join('\n');
}

/** Cuts `text` to `max` characters, ending with "…" when cut. */
export const clip = (text: string, max = 60): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** 1234567 → "1,234,567": counts for people. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** A count read from an item: grouped like {@link count} when it is a number, else as it is. */
export const countOf = (v: unknown): string => (typeof v === 'number' ? count(v) : show(v));

/** 50000 → "$50,000": whole US dollars for people. */
export const usd = (n: number): string => `$${count(n)}`;

/** The first `max` of `items`, comma-separated, and how many more: "A, B, C and 4 more". */
export const listFew = (items: readonly string[], max = 5): string =>
  `${items.slice(0, max).join(', ')}${items.length > max ? ` and ${items.length - max} more` : ''}`;

/** "1 shipment" / "2 shipments". */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${count(n)} ${n === 1 ? one : many}`;

/**
 * Hides an email address except its first character and domain:
 * `alice@example.com` → `a***@example.com`. Anything that is not an address
 * is hidden entirely.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return '***';
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

/** An endpoint as it may appear in listings and logs: email addresses masked, others as they are. */
export function showEndpoint(protocol: string, endpoint: string): string {
  return protocol === 'email' || protocol === 'email-json' || endpoint.includes('@')
    ? maskEmail(endpoint)
    : endpoint;
}

/** Any value of a raw item, for display. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Set) return [...value].map(show).join(', ');
  // A Number with more digits than a double holds, as typed (not as the quoted text JSON makes of it).
  if (isInexactNumber(value)) return String(value);
  return JSON.stringify(value);
}
