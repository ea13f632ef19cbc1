/**
 * Writes sample notifications to docs/samples/ from the real renderers, so
 * reviewers see exactly what customers, warehouses and ops receive.
 * Run: npm run render-samples. test/unit/repo/samples.test.ts fails when a
 * file is not what the renderers make now.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawdownAlert, expiryAlert, expiryDigests } from '../shared/domain/compliance-notices.js';
import { groupName, TALLY_LINES, type Tally, type TallyGroup } from '../shared/domain/event-tally.js';
import {
  detectChange,
  type ShipmentChange,
  shipmentMessage,
  tallyDigests,
} from '../shared/domain/notifications.js';
import type { OpsAlert, OutgoingMessage } from '../shared/domain/ports.js';

/** docs/samples/, where the files go. */
export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'samples');
const at = '2026-11-27T09:30:00.000Z';

function change(
  i: number,
  status: 'RELEASED' | 'HELD',
  previous: 'HELD' | 'RELEASED',
  holdReason?: string,
): ShipmentChange {
  const base = {
    shipmentId: `SHP-${String(i).padStart(5, '0')}`,
    licenseId: 'LIC-H20-0001',
    customerId: 'CUST-ACME',
    warehouseId: i % 3 === 0 ? 'WH-AMS' : 'WH-SIN',
    sku: 'H20',
    quantity: 40 + ((i * 37) % 160),
    priority: i % 4,
    requestedAt: '2026-08-01T00:00:00.000Z',
  };
  const found = detectChange(
    { ...base, status: previous, countedStatus: previous, revision: 1 },
    {
      ...base,
      status,
      countedStatus: status,
      revision: 2,
      ...(holdReason ? { holdReason } : { releasedAt: at }),
    },
    at,
  );
  if (!found) throw new Error('sample change not detected');
  return found;
}

/** One approval's release pass: 2,400 shipments, over several slices and stream batches. */
const released = Array.from({ length: 2_400 }, (_, i) => change(i + 1, 'RELEASED', 'HELD'));
const reheld = Array.from({ length: 4 }, (_, i) => change(i + 1, 'HELD', 'RELEASED', 'LICENSE_SUSPENDED'));

/** The license event's tally its pass's transactions leave (shared/domain/event-tally.ts). */
function tallyOf(changes: readonly ShipmentChange[], event: string): Tally {
  const groups = new Map<string, TallyGroup>();
  for (const c of changes) {
    const eventType = c.eventType as TallyGroup['eventType'];
    const key = groupName({ ...c, eventType });
    const g = groups.get(key) ?? { ...c, eventType, count: 0, quantity: 0, lines: [] };
    g.count++;
    g.quantity += c.quantity;
    if (g.lines.length < TALLY_LINES)
      g.lines.push({
        shipmentId: c.shipmentId,
        quantity: c.quantity,
        sku: c.sku,
        ...(c.holdReason ? { holdReason: c.holdReason } : {}),
      });
    groups.set(key, g);
  }
  const groupList = [...groups.values()].map(
    ({ customerId, warehouseId, eventType, count, quantity, lines }) => ({
      customerId,
      warehouseId,
      eventType,
      count,
      quantity,
      lines,
    }),
  );
  return { licenseId: 'LIC-H20-0001', event, opened: 'sample', transactions: 26, groups: groupList };
}
const releaseTally = tallyOf(released, `LICENSE_APPROVED@${at}`);
const suspensionTally = tallyOf(reheld, `LICENSE_SUSPENDED@${at}`);

const email = (m: OutgoingMessage | undefined) => {
  if (!m) throw new Error('no message rendered');
  return `Subject: ${m.subject}\nMessage attributes: ${JSON.stringify(m.attributes)}\n\n${m.body}\n`;
};

/** An ops alert as the ops email shows it (SnsAlerter's attributes). */
const alertEmail = (a: OpsAlert) => {
  const attributes = { kind: 'alert', severity: a.severity, alertType: a.alertType, ...a.subjectKey };
  return `Subject: ${a.subject}\nMessage attributes: ${JSON.stringify(attributes)}\n\n${a.message}\n`;
};

/** LIC-H20-0003 of the demo: a value limit with 10 % tolerance; 92 % of its quantity drawn. */
const valueLimited = {
  licenseId: 'LIC-H20-0003',
  customerId: 'CUST-ACME',
  sku: 'H20',
  authorizedQuantity: 28_824,
  authorizedValue: 252_900_000,
  valueTolerancePercent: 10,
  validUntil: '2026-12-31T23:59:59.000Z',
};
const expiringAt = new Date('2026-12-24T18:00:00.000Z');
const stillReleased = Array.from({ length: 6 }, (_, i) => ({
  shipmentId: `SHP-${String(101 + i).padStart(5, '0')}`,
  customerId: 'CUST-ACME',
  sku: 'H20',
  warehouseId: i % 3 === 2 ? 'WH-AMS' : 'WH-SIN',
  quantity: 40 + ((i * 37) % 160),
}));

/** Every sample file's name and text, as the renderers make them now. */
export function renderSamples(): Record<string, string> {
  return {
    'customer-release-email.txt': email(tallyDigests(releaseTally, 'customer')[0]),
    'customer-hold-email.txt': email(tallyDigests(suspensionTally, 'customer')[0]),
    'logistics-release-digest.txt': email(
      tallyDigests(releaseTally, 'logistics').find((m) => m.attributes.warehouseId === 'WH-SIN'),
    ),
    'customer-shipment-message.json': `${JSON.stringify(JSON.parse(shipmentMessage(released[0] as ShipmentChange, 'customer').body), null, 2)}\n`,
    'ops-drawdown-alert.txt': alertEmail(
      drawdownAlert({
        license: valueLimited,
        crossing: { dimension: 'quantity', threshold: 90, limit: 28_824, drawn: 26_520 },
        drawn: { quantity: 26_520, value: 256_910_000 },
        backlog: { shipments: 61, units: 5_768 },
        thresholds: [80, 90, 100],
      }),
    ),
    'ops-expiry-alert.txt': alertEmail(
      expiryAlert({
        license: valueLimited,
        lead: 7,
        now: expiringAt,
        released: {
          shipments: stillReleased.length,
          units: stillReleased.reduce((n, x) => n + x.quantity, 0),
          value: stillReleased.reduce((n, x) => n + x.quantity * 12_000, 0),
        },
        held: { shipments: 61, units: 5_768, value: 69_216_000 },
        warehouses: ['WH-SIN', 'WH-AMS'],
      }),
    ),
    'logistics-expiry-digest.txt': email(
      expiryDigests({ license: valueLimited, lead: 7, now: expiringAt, released: stillReleased })[0],
    ),
  };
}

const invokedAsScript =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedAsScript) {
  mkdirSync(SAMPLES_DIR, { recursive: true });
  for (const [name, text] of Object.entries(renderSamples())) {
    writeFileSync(join(SAMPLES_DIR, name), text);
    process.stderr.write(`wrote docs/samples/${name}\n`);
  }
}
