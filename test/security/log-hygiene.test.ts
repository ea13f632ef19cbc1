/**
 * The handlers never write customer contact data to their logs. Contact-like
 * data is seeded where it can really appear: extra attributes admins add to
 * items (consignee email, phone, address), a free-text statusReason, a
 * customerId typed as an email address, and an email subscription made with
 * `clearance subscribe`. Then a full scenario runs with logs at DEBUG,
 * including failures (a crashed sandbox, a refused write, rejected edits), while every
 * write to stdout and stderr and every console call is captured. The captured
 * lines are kept, not echoed (a few hundred DEBUG lines and EMF blobs would
 * bury the run's output); set LOG_HYGIENE_ECHO=1 to see them as they come.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../local/gateway/wire.js';
import { FaultInjector } from '../chaos/faults.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { emailStandIn, machineQueue } from '../helpers/notify.js';
import { useLocalStack } from '../helpers/stack.js';

/** One crash (the sandbox dies mid-invocation) and one failed write, so the error path (logger.error with the error) is logged too. */
const faults = new FaultInjector({ seed: 1, rate: 0 });
faults.crashOn({
  fn: 'license-events',
  operation: 'TransactWriteItems',
  nth: 1,
  when: 'after',
  label: 'log hygiene: an error is logged',
});

const local = useLocalStack({
  environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false' },
  aroundInvoke: (info, invoke) => faults.around(info.name, invoke),
});
const s = adminConsole(local);

const SUBSCRIBER_EMAIL = 'purchasing.lead@customer-alpha.example';
const CONTACT = {
  consigneeEmail: 'receiving.dock@buyer-one.example',
  consigneePhone: '+971 4 555 0199',
  deliveryAddress: '12 Harbour Road, Jebel Ali Free Zone, Dubai',
  consigneeName: 'Fatima Al-Rashid',
};
const REASON_EMAIL = 'licensing.desk@export-authority.example';

/** Everything that looks like an email address. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

const captured: string[] = [];
const restore: (() => void)[] = [];
const echo = process.env.LOG_HYGIENE_ECHO === '1';

function capture(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      if (echo) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      // A write's callback (the last argument, if any) still runs, as the stream would call it.
      const done = rest[rest.length - 1];
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original as typeof stream.write;
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      if (echo) original(...args);
    };
    restore.push(() => {
      console[level] = original;
    });
  }
}

beforeAll(async () => {
  // The crash kills license-events' sandbox after its first transaction (on the wire, at the stack's gateway);
  // its second transaction is refused once, which the handler logs with the error.
  restore.push(faults.attach(local.stack));
  let transactions = 0;
  restore.push(
    local.stack.gateway.use(async (call, forward) => {
      if (call.caller.label !== 'license-events' || call.operation !== 'TransactWriteItems') return forward();
      transactions++;
      return transactions === 2
        ? errorResponse('dynamodb', 'ValidationException', 'injected: one refused transaction', 400)
        : forward();
    }),
  );
  await machineQueue(local, { customer: 'CUST-LOG' });
  await emailStandIn(local, { customer: 'CUST-LOG' });
  await s.putInventory(anInventory({ sku: 'LOG-SKU', warehouseId: 'WH-1' }));

  capture();
  const license = aLicense({
    licenseId: 'LIC-LOG',
    customerId: 'CUST-LOG',
    sku: 'LOG-SKU',
    status: 'PENDING',
    authorizedQuantity: 35,
  });
  await s.putLicense({ ...license, contactEmail: CONTACT.consigneeEmail });
  const shipments = [10, 10, 10, 10].map((quantity, i) => ({
    ...aShipmentFor(license, { shipmentId: `SHP-LOG-${i}`, warehouseId: 'WH-1', quantity, priority: i }),
    ...CONTACT,
  }));
  await s.putShipments([
    ...shipments,
    // A customerId typed as an email address: rejected, and the rejection must not be logged with it.
    {
      ...aShipmentFor(license, { shipmentId: 'SHP-LOG-BAD', warehouseId: 'WH-1' }),
      customerId: SUBSCRIBER_EMAIL,
    },
  ]);
  await local.drain();
  await s.edit(
    'licenses',
    { licenseId: 'LIC-LOG' },
    'statusReason',
    `approved, see mail from ${REASON_EMAIL}`,
  );
  await s.setLicenseStatus('LIC-LOG', 'APPROVED');
  await local.drain();
  await s.setShipmentStatus('SHP-LOG-0', 'SHIPPED');
  await s.setShipmentStatus('SHP-LOG-3', 'SHIPPED'); // HELD → SHIPPED: rejected, high severity
  await s.setShipmentStatus('SHP-LOG-1', 'CANCELLED');
  await s.setLicenseStatus('LIC-LOG', 'REVOKED');
  // An email address typed into the status field itself: rejected, and quoted in the reason.
  await s.putLicense({ ...license, licenseId: 'LIC-LOG-TYPO', status: `APPROVED per ${REASON_EMAIL}` });
  await s.setShipmentStatus('SHP-LOG-2', `shipped, confirmed by ${CONTACT.consigneeEmail}`);
  await local.drain();
  await local.esm.invokeSchedule('license-clock');
  await local.drain();
}, 120_000);

afterAll(() => {
  for (const r of restore.reverse()) r();
});

describe('handler logs', () => {
  it('captured the handlers at DEBUG, the error path included', () => {
    const text = captured.join('\n');
    expect(text).toContain('"message":"license applied"');
    expect(text).toContain('"message":"shipment batch processed"');
    expect(text).toContain('"message":"clock tick"');
    expect(text).toContain('license could not be applied');
    expect(faults.stats.crashes).toHaveLength(1);
  });

  it('contain no email address: not the subscriber, not the consignee, not one typed into an item', () => {
    const hits = captured.filter((line) => EMAIL.test(line));
    expect(hits).toEqual([]);
  });

  it.each(Object.entries(CONTACT))('never contain the %s an admin stored on an item', (_field, value) => {
    expect(captured.filter((line) => line.includes(value))).toEqual([]);
  });

  it('left the system consistent', async () => {
    await s.expectInvariants();
  });
});
