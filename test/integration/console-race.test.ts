/**
 * Console typos racing the system's own work.
 *
 * - A typo on a RELEASED shipment while its license is revoked (found by
 *   chaos seed 186). The revoke pass skips the shipment while its status
 *   reads "Shipped"; shipment-events then sets it back to RELEASED and must
 *   make the license's pass look again, even when the restoring write's
 *   response was lost and the SDK's resend found the write already done.
 * - A typo on a license's status while its suspension is being applied: the
 *   edit is rejected, and the re-hold still finishes.
 * - A shipment accepted while its license is being approved, the approval's
 *   release pass looking for held shipments just before it was accepted.
 * - Counted shipments put again whole, as first written (an import run
 *   again, a BatchWriteItem resent after a timeout: chaos seed 49): set back,
 *   counted once, released once. A license put again whole, as first
 *   written: set back before license-events applies it, so it keeps what its
 *   shipments draw.
 */

import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, expect, it } from 'vitest';
import { licenseEntry } from '../../shared/domain/history.js';
import { adminConsole } from '../helpers/admin-console.js';
import {
  givenLicense,
  interceptFunctionCalls,
  settledLicense,
  sleep,
  until,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

/** While set, that function waits for it before running. */
const gates: { 'shipment-events'?: Promise<void>; 'license-events'?: Promise<void> } = {};

const gated =
  (fn: keyof typeof gates) =>
  async (event: DynamoDBStreamEvent, context: Context): Promise<unknown> => {
    await gates[fn];
    const real = await local.loadHandler(fn);
    return real(event as never, context);
  };

const local = useLocalStack({
  handlerOverrides: { 'shipment-events': gated('shipment-events'), licenses: gated('license-events') },
});

/** Closes the gate of `fn`; the returned function opens it. */
function closeGate(fn: keyof typeof gates): () => void {
  let open = () => {};
  gates[fn] = new Promise((resolve) => {
    open = resolve;
  });
  return open;
}
const s = adminConsole(local);

/**
 * The next write of the Shipments table that sets `statusError` (the
 * restoring write: a TransactWriteItems of its Update and its History entry)
 * is applied, its response lost, and sent again, as the SDK does after a
 * timeout: the caller sees the resend's conditional check fail.
 */
function loseResponseOfNextRestore(): { resent: () => number; remove: () => void } {
  const table = local.resources.tables.shipments.name;
  let armed = true;
  let resent = 0;
  const remove = interceptFunctionCalls(local, async (call, forward) => {
    type Update = { TableName?: string; UpdateExpression?: string };
    const input = call.input as Update & { TransactItems?: { Update?: Update }[] };
    const updates =
      call.operation === 'TransactWriteItems' ? (input.TransactItems ?? []).map((a) => a.Update) : [input];
    const restores = updates.some(
      (u) => u?.TableName === table && u.UpdateExpression?.includes('statusError'),
    );
    if (!armed || !['UpdateItem', 'TransactWriteItems'].includes(call.operation) || !restores)
      return forward();
    // Applied, then the connection drops: the handler's SDK sees a network error and sends it again.
    armed = false;
    await forward();
    resent++;
    return 'drop';
  });
  return { resent: () => resent, remove };
}

afterEach(() => {
  delete gates['shipment-events'];
  delete gates['license-events'];
});

it('re-holds a shipment restored to RELEASED after the revoke pass skipped it, though the restore was resent', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  const [kept, typo] = [lut.shipment({ quantity: 10 }), lut.shipment({ quantity: 20 })];
  await s.putShipments([kept, typo]);
  await local.drain();
  await s.setLicenseStatus(lut.license.licenseId, 'APPROVED');
  await local.drain();
  expect((await s.shipment(typo.shipmentId)).status).toBe('RELEASED');

  // The typo waits in the shipments stream while the revoke pass runs and skips it.
  const open = closeGate('shipment-events');
  await s.setShipmentStatus(typo.shipmentId, 'Shipped');
  await s.setLicenseStatus(lut.license.licenseId, 'REVOKED');
  // Shipments are gated, so no drain: the revoke pass has ended once the license is applied REVOKED
  // with no work pending (startWork sets appliedStatus and pendingWork in one write).
  await until(
    'the revoke pass to end',
    async () => {
      const l = await s.license(lut.license.licenseId);
      return l.appliedStatus === 'REVOKED' && l.pendingWork === undefined ? l : undefined;
    },
    30_000,
    25,
  );
  await settledLicense(s, lut.license.licenseId);
  expect((await s.shipment(kept.shipmentId)).status).toBe('HELD');
  expect((await s.shipment(typo.shipmentId)).status, 'the pass skipped the typo').toBe('Shipped');

  const lost = loseResponseOfNextRestore();
  try {
    open();
    await local.drain();
  } finally {
    lost.remove();
  }
  expect(lost.resent(), 'the restoring write was sent twice').toBe(1);

  const after = await s.shipment(typo.shipmentId);
  expect(after.statusError).toMatch(/^Rejected status Shipped: .* set back to RELEASED/);
  expect(after.status, 'set back, then re-held by the revoke').toBe('HELD');
  expect(after.holdReason).toBe('LICENSE_REVOKED');
  expect((await settledLicense(s, lut.license.licenseId)).releasedQuantity).toBe(0);
  await s.expectInvariants();
});

it('finishes re-holding a suspension whose status is mistyped while it is applied', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  const shipments = [lut.shipment({ quantity: 10 }), lut.shipment({ quantity: 20 })];
  await s.putShipments(shipments);
  await local.drain();
  await s.setLicenseStatus(lut.license.licenseId, 'APPROVED');
  await local.drain();

  const open = closeGate('license-events');
  // The state license-events leaves when its process dies right after committing to the
  // suspension: applied SUSPENDED, work pending, nothing re-held yet; the decision and its
  // History entry committed together, as startWork commits them.
  const licenseId = lut.license.licenseId;
  const decision = {
    eventType: 'LICENSE_SUSPENDED' as const,
    actor: 'compliance@console',
    reason: 'investigation',
    at: new Date().toISOString(),
  };
  const entry = licenseEntry({
    licenseId,
    decision,
    previous: undefined,
    token: 'crashed',
    status: 'SUSPENDED',
    previousStatus: 'APPROVED',
  });
  await local.ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: local.resources.tables.licenses.name,
            Key: { licenseId },
            UpdateExpression:
              'SET #s = :s, appliedStatus = :s, pendingWork = :w, lastDecision = :d ADD appliedChanges :one',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':s': 'SUSPENDED',
              ':w': '2026-01-01T00:00:00.000Z#crashed',
              ':d': decision,
              ':one': 1,
            },
          },
        },
        { Put: { TableName: local.resources.tables.history.name, Item: entry } },
      ],
    }),
  );
  // Then an admin retypes the status.
  await s.setLicenseStatus(lut.license.licenseId, 'Suspended');
  open();
  await local.drain();

  const license = await settledLicense(s, lut.license.licenseId);
  expect(license.statusError).toMatch(/"Suspended" is not a license status.*Did you mean SUSPENDED\?/);
  expect(license.appliedStatus).toBe('SUSPENDED');
  expect(license.releasedQuantity).toBe(0);
  for (const x of shipments) {
    const after = await s.shipment(x.shipmentId);
    expect(after.status, x.shipmentId).toBe('HELD');
    expect(after.holdReason, x.shipmentId).toBe('LICENSE_SUSPENDED');
  }
  await s.expectInvariants();
});

it('releases a shipment accepted while its license was approved, though the release pass looked first', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  const shipment = lut.shipment({ quantity: 10 });
  const licenseId = lut.license.licenseId;

  // shipment-events reads the license (still PENDING), then its intake commit waits here.
  let blocked = false;
  let unblock = () => {};
  const commitGate = new Promise<void>((resolve) => {
    unblock = resolve;
  });
  const remove = interceptFunctionCalls(local, async (call, forward) => {
    if (
      !blocked &&
      call.operation === 'TransactWriteItems' &&
      JSON.stringify(call.input).includes(shipment.shipmentId)
    ) {
      blocked = true;
      await commitGate;
    }
    return forward();
  });
  try {
    await s.putShipment(shipment);
    for (let i = 0; i < 200 && !blocked; i++) await sleep(25);
    expect(blocked, 'the intake read the license and is about to commit').toBe(true);

    // Meanwhile the license is approved, and its release pass finds no held shipment yet.
    await s.setLicenseStatus(licenseId, 'APPROVED');
    for (let i = 0; i < 200; i++) {
      const l = await s.license(licenseId);
      if (l.appliedStatus === 'APPROVED' && l.pendingWork === undefined) break;
      await sleep(25);
    }
    // The race is staged only if the approval's pass ran to its end before the intake commits.
    expect(await settledLicense(s, licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 0,
    });
  } finally {
    unblock();
    remove();
  }
  await local.drain();

  expect(await s.shipment(shipment.shipmentId)).toMatchObject({
    status: 'RELEASED',
    countedStatus: 'RELEASED',
  });
  expect((await settledLicense(s, licenseId)).releasedQuantity).toBe(10);
  await s.expectInvariants();
});

it('sets back counted shipments put again whole, and counts and releases each once', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  const first = lut.shipment({ quantity: 10 });
  const second = lut.shipment({ quantity: 20 });
  const licenseId = lut.license.licenseId;
  await s.putShipments([first]);
  await local.drain();
  await s.setLicenseStatus(licenseId, 'APPROVED');
  await local.drain();
  expect((await s.shipment(first.shipmentId)).countedStatus).toBe('RELEASED');
  await s.putShipments([second]);
  await local.drain();
  expect((await s.shipment(second.shipmentId)).countedStatus).toBe('RELEASED');
  const before = new Map([
    [first.shipmentId, await s.shipment(first.shipmentId)],
    [second.shipmentId, await s.shipment(second.shipmentId)],
  ]);

  // The same items again, as the import first wrote them: no system attributes.
  await s.putShipments([first, second]);
  await local.drain();

  for (const x of [first, second]) {
    const committed = before.get(x.shipmentId) ?? {};
    expect(await s.shipment(x.shipmentId)).toMatchObject({
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      revision: committed.revision,
      releasedLicenseId: committed.releasedLicenseId,
      statusError: expect.stringContaining('whole item'),
    });
  }
  expect((await settledLicense(s, licenseId)).releasedQuantity).toBe(30);
  const entries = await s.history(licenseId);
  expect(entries.filter((e) => e.eventType === 'EDIT_REJECTED')).toHaveLength(2);
  expect(entries.filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toHaveLength(2);
  await s.expectInvariants();
});

it('sets back a license put again whole before applying it, so its limit still counts what was released', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 50 });
  const licenseId = lut.license.licenseId;
  await s.putShipments([lut.shipment({ quantity: 30 })]);
  await local.drain();
  await s.setLicenseStatus(licenseId, 'APPROVED');
  await local.drain();
  expect(await settledLicense(s, licenseId)).toMatchObject({
    appliedStatus: 'APPROVED',
    releasedQuantity: 30,
  });

  // The import runs again with the license as granted: APPROVED, nothing drawn.
  await s.putLicense({ ...lut.license, status: 'APPROVED', releasedQuantity: 0 });
  await local.drain();
  // A new shipment that would fit only if the 30 units were forgotten.
  const late = lut.shipment({ quantity: 30 });
  await s.putShipments([late]);
  await local.drain();

  expect(await s.shipment(late.shipmentId)).toMatchObject({
    countedStatus: 'HELD',
    holdReason: 'LICENSE_QUANTITY_EXHAUSTED',
  });
  expect(await settledLicense(s, licenseId)).toMatchObject({
    appliedStatus: 'APPROVED',
    releasedQuantity: 30,
    statusError: expect.stringContaining('without appliedStatus'),
  });
  expect((await s.history(licenseId)).filter((e) => e.eventType === 'EDIT_REJECTED')).toHaveLength(1);
  await s.expectInvariants();
});
