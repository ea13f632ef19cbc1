/**
 * Writes sample notifications to docs/samples/ from the real renderers, so
 * reviewers see exactly what customers and warehouses receive.
 * Run: npm run render-samples
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  detectChange,
  digests,
  type ShipmentChange,
  shipmentMessage,
} from '../shared/domain/notifications.js';
import type { OutgoingMessage } from '../shared/domain/ports.js';

const out = join(dirname(fileURLToPath(import.meta.url)), 'samples');
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

const released = Array.from({ length: 30 }, (_, i) => change(i + 1, 'RELEASED', 'HELD'));
const reheld = Array.from({ length: 4 }, (_, i) => change(i + 1, 'HELD', 'RELEASED', 'LICENSE_SUSPENDED'));

const email = (m: OutgoingMessage | undefined) => {
  if (!m) throw new Error('no message rendered');
  return `Subject: ${m.subject}\nMessage attributes: ${JSON.stringify(m.attributes)}\n\n${m.body}\n`;
};

mkdirSync(out, { recursive: true });
const files: Record<string, string> = {
  'customer-release-email.txt': email(digests(released, 'customer')[0]),
  'customer-hold-email.txt': email(digests(reheld, 'customer')[0]),
  'logistics-release-digest.txt': email(
    digests(released, 'logistics').find((m) => m.attributes.warehouseId === 'WH-SIN'),
  ),
  'customer-shipment-message.json': `${JSON.stringify(JSON.parse(shipmentMessage(released[0] as ShipmentChange, 'customer').body), null, 2)}\n`,
};
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(out, name), text);
  process.stderr.write(`wrote docs/samples/${name}\n`);
}
