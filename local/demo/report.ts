/**
 * The report `npm start` prints: licenses, warehouses, what each subscriber
 * queue received, a sample email digest and the ops alerts.
 */
import { available, type License } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { Scenario } from './scenario.js';
import type { Queue, Subscribers } from './subscribers.js';

const pad = (v: unknown, n: number) => String(v).padStart(n);

/** Each license's status and counters, and why its shipments are still held. */
async function licenseLines(
  { repos }: Scenario,
  licenses: readonly License[],
  shipments: readonly RawItem[],
): Promise<string[]> {
  const lines = [
    '',
    'Licenses',
    `  ${'license'.padEnd(14)} ${'status'.padEnd(10)} ${pad('authorized', 10)} ${pad('released', 9)}  held by reason`,
  ];
  for (const l of licenses) {
    const item = await repos.licenses.get(l.licenseId);
    const held = new Map<string, number>();
    for (const s of shipments)
      if (s.licenseId === l.licenseId && s.status === 'HELD')
        held.set(String(s.holdReason), (held.get(String(s.holdReason)) ?? 0) + 1);
    const reasons = [...held].map(([k, v]) => `${k.replace('LICENSE_', '')} ${v}`).join(', ') || '-';
    lines.push(
      `  ${l.licenseId.padEnd(14)} ${String(item?.status).padEnd(10)} ${pad(l.authorizedQuantity.toLocaleString('en-US'), 10)} ${pad(Number(item?.releasedQuantity ?? 0).toLocaleString('en-US'), 9)}  ${reasons}`,
    );
  }
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

/** Every ops alert: its subject and its text. */
function opsLines(ops: Queue): string[] {
  const lines = ['', 'Ops alerts'];
  for (const m of ops.messages) {
    const envelope = JSON.parse(m.body) as { Subject?: string; Message?: string };
    lines.push(
      `  - ${envelope.Subject ?? ''}`,
      ...(envelope.Message ?? '').split('\n').map((l) => `      ${l}`),
    );
  }
  return lines;
}

/** The report's sections before the invariants, as lines. */
export async function reportLines(
  scenario: Scenario,
  subscribers: Subscribers,
  licenses: readonly License[],
  shipments: readonly RawItem[],
): Promise<string[]> {
  return [
    ...(await licenseLines(scenario, licenses, shipments)),
    ...(await warehouseLines(scenario)),
    ...queueLines(subscribers.queues),
    ...digestLines(subscribers.digest),
    ...opsLines(subscribers.ops),
  ];
}
