/**
 * Renders docs/bad-input.md from the corpus (cases.ts + expected.ts), which
 * test/corpus/bad-input.test.ts checks against the running system.
 *
 *   npm run corpus:doc     rewrite docs/bad-input.md
 *
 * The output depends on the corpus only, so it is deterministic;
 * test/corpus/doc.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../shared/domain/ports.js';
import {
  type CorpusCase,
  corpusCases,
  corpusLicense,
  corpusShipment,
  type Outcome,
  VALUE_LIMIT,
  type Write,
} from './cases.js';

export const DOC_PATH = resolve(fileURLToPath(new URL('../../docs/bad-input.md', import.meta.url)));

/** A value as the console would show it: S in quotes, N bare, long ones cut. */
function show(value: unknown): string {
  if (value === undefined) return '(left out)';
  if (value instanceof NumberValue) return `${value.toString()} (N)`;
  if (typeof value === 'number') return `${value} (N)`;
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 60
    ? `${text.slice(0, 40)}…" (${(value as string).length.toLocaleString('en-US')} characters)`
    : text;
}

/** The attributes in which `item` differs from the valid item of the same id. */
function differences(item: RawItem, valid: RawItem): string[] {
  const keys = new Set([...Object.keys(valid), ...Object.keys(item)]);
  const out: string[] = [];
  for (const k of keys) {
    const a = item[k];
    const b = valid[k];
    const same =
      a instanceof NumberValue || b instanceof NumberValue ? false : JSON.stringify(a) === JSON.stringify(b);
    if (!same) out.push(`${k} = ${show(a)}`);
  }
  return out;
}

/** The state the edited item was brought into: its status and what it was created with. */
function givenState(c: CorpusCase): string {
  if (!c.given) return '';
  const terms = (item: RawItem | undefined) => Object.entries(item ?? {}).map(([k, v]) => `${k} ${show(v)}`);
  if ('shipment' in c.given) {
    const { counted, fields } = c.given.shipment;
    return ` (counted as ${counted}${terms(fields)
      .map((t) => `, ${t}`)
      .join('')})`;
  }
  const { applied, terms: licenseTerms, shipments = [] } = c.given.license;
  const described = shipments.map(
    ({ item, becomes }) =>
      `${item.value === undefined ? 'no value' : `USD ${String(item.value)}`} ${becomes === 'RELEASED' ? 'RELEASED' : `HELD as ${becomes}`}`,
  );
  const carried = shipments.length > 0 ? `, shipments of ${described.join(' and ')}` : '';
  return ` (applied status ${applied}${terms(licenseTerms)
    .map((t) => `, ${t}`)
    .join('')}${carried})`;
}

function typed(c: CorpusCase): string {
  const w: Write = c.write;
  const table = w.table === 'licenses' ? 'Licenses' : 'Shipments';
  if (w.kind === 'set') {
    const id = String(Object.values(w.key)[0]);
    return `UpdateItem ${table} ${show(id)}${givenState(c)}: ${w.attribute} = ${show(w.value)}`;
  }
  const idKey = w.table === 'licenses' ? 'licenseId' : 'shipmentId';
  const id = w.item[idKey];
  const valid =
    w.table === 'licenses'
      ? corpusLicense(String(id ?? 'x'), id === undefined ? { [idKey]: undefined } : {})
      : corpusShipment(String(id ?? 'x'), id === undefined ? { [idKey]: undefined } : {});
  const changes = differences(w.item, valid).filter((d) => !d.startsWith(`${idKey} =`) || id === undefined);
  const what =
    id === undefined
      ? `new item without ${idKey}`
      : c.given
        ? `whole item ${show(id)} again, over the one${givenState(c)}`
        : `new item ${show(id)}`;
  return `PutItem ${table}: ${what}${changes.length > 0 && id !== undefined ? ` with ${changes.join(', ')}` : ''}`;
}

/** How long a held case stays held: what would release it. */
const HELD_UNTIL: Readonly<Record<string, string>> = {
  LICENSE_MISMATCH: 'never released',
  SHIPMENT_VALUE_MISSING: 'until it gets a value',
  LICENSE_VALUE_EXHAUSTED: 'until its license has that much value left (an amendment or a cancellation)',
};

function outcome(o: Outcome): string {
  switch (o.kind) {
    case 'refused':
      return 'refused by DynamoDB (the write fails in the console)';
    case 'held':
      return `accepted, stays HELD as ${o.holdReason}, ${HELD_UNTIL[o.holdReason] ?? 'never released'}`;
    case 'rejected':
      return [
        'rejected: `statusError` on the item',
        o.status === undefined ? '' : `, status is ${show(o.status)} afterwards`,
        ...Object.entries(o.fields ?? {}).map(
          ([k, v]) => `, ${k} ${v === null ? 'removed again' : `set back to ${show(v)}`}`,
        ),
        `; ops alert${o.severity === 'high' ? ' (HIGH SEVERITY)' : ''} "${o.subject}"`,
      ].join('');
  }
}

/** The hold reasons of held cases, as the admin reads them. */
const HOLD_REASON_TEXT: Readonly<Record<string, string>> = {
  LICENSE_MISMATCH:
    'holdReason LICENSE_MISMATCH: the shipment does not match its export license (customer or product)',
  SHIPMENT_VALUE_MISSING:
    'holdReason SHIPMENT_VALUE_MISSING: the license limits value, and the shipment has none; set its value (whole US dollars) and it is released if it fits',
  LICENSE_VALUE_EXHAUSTED:
    'holdReason LICENSE_VALUE_EXHAUSTED: releasing it would take the license over its value limit (with tolerance); no alert, as for quantity',
};

function reason(o: Outcome): string {
  switch (o.kind) {
    case 'refused':
      return o.error;
    case 'held':
      return HOLD_REASON_TEXT[o.holdReason] ?? `holdReason ${o.holdReason}`;
    case 'rejected':
      return o.statusError;
  }
}

const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '⏎');

export function renderBadInputDoc(): string {
  const cases = corpusCases();
  const count = (k: Outcome['kind']) => cases.filter((c) => c.expected.kind === k).length;
  return [
    '# Bad input: what the system does with it',
    '',
    '<!-- Generated by `npm run corpus:doc` from test/corpus/cases.ts and test/corpus/expected.ts. Do not edit. -->',
    '',
    'Each row is a malformed or hostile item or edit, typed the way an admin would in the DynamoDB',
    'console (PutItem of a whole item, or UpdateItem of one attribute), and what the system did with it.',
    '`test/corpus/bad-input.test.ts` runs every row against the local stack with the real handlers and',
    'checks the outcome exactly; each bad item is delivered in the same stream batch as a good one, and',
    'the test also checks that the good ones were processed, that no batch went to a DLQ and that I1–I3',
    'hold afterwards. For an edit of an item prepared beforehand (a license applied with its shipments, a',
    'shipment counted), it also checks that a rejection moved nothing: the license keeps its applied status',
    'and terms, `releasedQuantity`, `releasedValue` and its shipments as they were; the shipment keeps its',
    'counted status, license, quantity and value.',
    '',
    `${cases.length} cases: ${count('rejected')} rejected with a reason, ${count('held')} accepted but held, ${count('refused')} refused by DynamoDB itself.`,
    '',
    'How to read it:',
    '',
    '- **rejected**: nothing moves (no shipment, counter or license changes). The reason is written to',
    '  `statusError` on the item, where the admin sees it in the console, and ops gets an alert by email',
    '  naming the item. A shipment the system already counts gets its status set back. The next legal',
    '  edit clears `statusError`.',
    '- **held**: the item is valid but may not be released; it keeps its hold reason.',
    '- **refused**: DynamoDB rejects the write itself, so nothing reaches the system.',
    '- Values: `"text"` is a String (S) attribute, `5 (N)` a Number. A license is judged from its',
    '  `appliedStatus`, a shipment from the status the counters reflect (`countedStatus`).',
    '- Amendments: an edit of `authorizedQuantity`, `authorizedValue`, `valueTolerancePercent`, `validFrom`',
    '  or `validUntil` of an applied license takes effect at once when valid. An invalid one, or any edit of',
    '  `customerId`, `sku` or `destinationCountry`, is written back to the applied value (the outcome says',
    '  which), together with every other term the same edit changed: an edit is applied whole or not at all.',
    '  Its reason stays in `statusError` until the next legal edit. The amended licenses below',
    '  have a value limit of USD 50,000 + 10 % and two shipments, USD 40,000 RELEASED and USD 20,000 HELD',
    '  as LICENSE_VALUE_EXHAUSTED, so applying any of these edits would have moved one of them.',
    '- Licenses named in the rows: LIC-CORPUS-OPEN is APPROVED with room for every shipment,',
    '  LIC-CORPUS-WAIT is PENDING (the default of a new shipment), LIC-CORPUS-VALUE is APPROVED with a',
    `  value limit of USD ${VALUE_LIMIT.toLocaleString('en-US')}.`,
    '',
    '| case | what the admin typed | outcome | the reason shown |',
    '|---|---|---|---|',
    ...cases.map(
      (c) =>
        `| ${cell(c.title)} | ${cell(typed(c))} | ${cell(outcome(c.expected))} | ${cell(reason(c.expected))} |`,
    ),
    '',
  ].join('\n');
}

const invokedAsScript =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedAsScript) {
  writeFileSync(DOC_PATH, renderBadInputDoc());
  process.stdout.write(`wrote ${DOC_PATH}\n`);
}
