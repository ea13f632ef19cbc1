/**
 * The report `npm start` prints: the simulation the admin ran before the
 * first approval, licenses (quantity and value), the value limit and the
 * amendment, an excerpt of the amended license's History, warehouses, what
 * each subscriber queue received, a sample email digest, the ops alerts and a
 * sample of each compliance notice.
 */
import { available, type License } from '../../shared/domain/model.js';
import { valueCap } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { type Acted, type Amendment, releasedIn } from './admin.js';
import { complianceLines } from './compliance.js';
import { historyLines } from './history.js';
import { dollarsShort, num, type Scenario, usd, VALUE_LIMITED } from './scenario.js';
import { simulationLines } from './simulation.js';
import type { Queue, Subscribers } from './subscribers.js';

const pad = (v: unknown, n: number) => String(v).padStart(n);

/** A license as the report shows it: its item's status, limits and counters, and its held shipments by reason. */
interface LicenseRow {
  licenseId: string;
  status: string;
  authorized: number;
  released: number;
  authorizedValue: number | undefined;
  cap: number | undefined;
  releasedValue: number;
  held: Map<string, number>;
}

/** Each license's row, read from its item now (amendments included) and from the final shipments. */
async function licenseRows(
  { repos }: Scenario,
  licenses: readonly License[],
  shipments: readonly RawItem[],
): Promise<LicenseRow[]> {
  const rows: LicenseRow[] = [];
  for (const l of licenses) {
    const item = await repos.licenses.get(l.licenseId);
    const held = new Map<string, number>();
    for (const s of shipments)
      if (s.licenseId === l.licenseId && s.status === 'HELD')
        held.set(String(s.holdReason), (held.get(String(s.holdReason)) ?? 0) + 1);
    const authorizedValue = item?.authorizedValue === undefined ? undefined : Number(item.authorizedValue);
    rows.push({
      licenseId: l.licenseId,
      status: String(item?.status),
      authorized: Number(item?.authorizedQuantity ?? l.authorizedQuantity),
      released: Number(item?.releasedQuantity ?? 0),
      authorizedValue,
      cap: valueCap({ authorizedValue, valueTolerancePercent: optionalNumber(item?.valueTolerancePercent) }),
      releasedValue: Number(item?.releasedValue ?? 0),
      held,
    });
  }
  return rows;
}

const optionalNumber = (v: unknown) => (v === undefined ? undefined : Number(v));
const money = (v: number | undefined) => (v === undefined ? '-' : dollarsShort(v));

/** Each license's status, quantity and value (limit, cap with tolerance, released), why its shipments are held; and the totals. */
async function licenseLines(
  scenario: Scenario,
  licenses: readonly License[],
  shipments: readonly RawItem[],
): Promise<string[]> {
  const rows = await licenseRows(scenario, licenses, shipments);
  const [w1, w2, w3, w4, w5] = [10, 9, 9, 9, 9] as const;
  const row = (cells: string[], held: string) =>
    `  ${cells[0]?.padEnd(14)} ${cells[1]?.padEnd(10)} ${cells
      .slice(2)
      .map((c, i) => pad(c, [w1, w2, w3, w4, w5][i] ?? 9))
      .join(' ')}  ${held}`;
  const centered = (label: string, width: number) =>
    label.padStart(Math.floor((width + label.length) / 2)).padEnd(width);
  const lines = [
    '',
    `${'Licenses'.padEnd(28)}${centered('quantity (units)', w1 + w2 + 1)} ${centered('value (USD)', w3 + w4 + w5 + 2)}`.trimEnd(),
    row(['license', 'status', 'authorized', 'released', 'limit', 'cap', 'released'], 'held by reason'),
  ];
  for (const r of rows) {
    const reasons = [...r.held].map(([k, v]) => `${k.replace('LICENSE_', '')} ${v}`).join(', ') || '-';
    const { authorizedValue, cap, releasedValue } = r;
    lines.push(
      row(
        [r.licenseId, r.status, num(r.authorized), num(r.released)].concat(
          [authorizedValue, cap, releasedValue].map(money),
        ),
        reasons,
      ),
    );
  }
  const held = shipments.filter((s) => s.status === 'HELD');
  const total = (f: (r: LicenseRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  lines.push(
    row(
      ['total', '', '', num(total((r) => r.released)), '', '', money(total((r) => r.releasedValue))],
      `HELD ${num(held.length)} (${num(sum(held, 'quantity'))} units, ${usd(sum(held, 'value'))})`,
    ),
  );
  return lines;
}

const sum = (items: readonly RawItem[], field: string) =>
  items.reduce((n, s) => n + Number(s[field] ?? 0), 0);

/** The value-limited license (why value, not quantity, stopped it) and what the amendment released. */
async function valueAndAmendmentLines(
  { repos }: Scenario,
  licenses: readonly License[],
  shipments: readonly RawItem[],
  amendment: Amendment,
): Promise<string[]> {
  const lines = ['', 'Value and amendment'];
  const limited = licenses[VALUE_LIMITED];
  const item = limited && (await repos.licenses.get(limited.licenseId));
  if (limited && item?.authorizedValue !== undefined) {
    const tolerance = Number(item.valueTolerancePercent ?? 0);
    const cap = valueCap({ authorizedValue: Number(item.authorizedValue), valueTolerancePercent: tolerance });
    const exhausted = shipments.filter(
      (s) => s.licenseId === limited.licenseId && s.holdReason === 'LICENSE_VALUE_EXHAUSTED',
    );
    lines.push(
      `  value limit ${limited.licenseId}: ${usd(Number(item.authorizedValue))} + ${tolerance} % tolerance = cap USD ${num(cap ?? 0)}; released USD ${num(Number(item.releasedValue ?? 0))}`,
      `    with ${num(Number(item.releasedQuantity ?? 0))} of ${num(Number(item.authorizedQuantity))} units: value binds, ${num(exhausted.length)} shipments HELD as LICENSE_VALUE_EXHAUSTED (${num(sum(exhausted, 'quantity'))} units, ${usd(sum(exhausted, 'value'))})`,
    );
  }
  const after = releasedIn(shipments, amendment.licenseId);
  const before = amendment.before;
  lines.push(
    `  amendment ${amendment.licenseId} (${amendment.reason}): ${amendment.field} ${num(amendment.from)} → ${num(amendment.to)}; ${num(after.shipments - before.shipments)} more shipments released (${num(after.units - before.units)} units, ${usd(after.value - before.value)})`,
  );
  return lines;
}

/** Each warehouse's inventory counters. */
async function warehouseLines({ repos }: Scenario): Promise<string[]> {
  const lines = [
    '',
    'Warehouses (H20)',
    `  ${'warehouse'.padEnd(10)} ${pad('onHand', 9)} ${pad('held', 8)} ${pad('released', 9)} ${pad('available', 10)}`,
  ];
  for await (const page of repos.inventory.scan()) {
    for (const inv of page) {
      const i = {
        sku: String(inv.sku),
        warehouseId: String(inv.warehouseId),
        onHand: Number(inv.onHand),
        held: Number(inv.held),
        released: Number(inv.released),
        shipped: Number(inv.shipped ?? 0),
      };
      lines.push(
        `  ${i.warehouseId.padEnd(10)} ${pad(i.onHand.toLocaleString('en-US'), 9)} ${pad(i.held.toLocaleString('en-US'), 8)} ${pad(i.released.toLocaleString('en-US'), 9)} ${pad(available(i).toLocaleString('en-US'), 10)}`,
      );
    }
  }
  return lines;
}

/** How many messages of each kind every subscriber queue received. */
function queueLines(queues: readonly Queue[]): string[] {
  const lines = ['', 'Subscriber queues'];
  for (const q of queues) {
    const kinds = new Map<string, number>();
    for (const m of q.messages)
      kinds.set(m.attributes.kind ?? 'alert', (kinds.get(m.attributes.kind ?? 'alert') ?? 0) + 1);
    lines.push(
      `  ${q.name.padEnd(18)} ${pad(q.messages.length, 6)}  ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
  }
  return lines;
}

/** The first lines of CUST-ALPHA's first email digest, when there is one. */
function digestLines(digest: Queue): string[] {
  const sample = digest.messages[0];
  if (!sample) return [];
  return [
    '',
    'An email digest CUST-ALPHA receives (first lines):',
    ...sample.body
      .split('\n')
      .slice(0, 6)
      .map((l) => `  | ${l}`),
  ];
}

/** The report's sections before the invariants, as lines. */
export async function reportLines(
  scenario: Scenario,
  subscribers: Subscribers,
  licenses: readonly License[],
  shipments: readonly RawItem[],
  acted: Acted,
  history: readonly RawItem[],
): Promise<string[]> {
  return [
    ...simulationLines(acted.simulated),
    ...(await licenseLines(scenario, licenses, shipments)),
    ...(await valueAndAmendmentLines(scenario, licenses, shipments, acted.amendment)),
    ...(await historyLines(scenario, history)),
    ...(await warehouseLines(scenario)),
    ...queueLines(subscribers.queues),
    ...digestLines(subscribers.digest),
    ...complianceLines(subscribers),
  ];
}
