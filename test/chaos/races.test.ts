/**
 * Admin races pinned down deterministically (found while building the chaos
 * and security suites). The streams are paused, the admin's edits written,
 * and the handlers are run in the order that used to break an invariant.
 */
import { describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { givenLicense, invokeWithRecords, settledLicense, streamCursor } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

describe('a console edit pending while the license is revoked', () => {
  it.each([
    ['an unknown status typed on it', 'status', 'shipped (by hand)'],
    ['its licenseId edited', 'licenseId', 'LIC-SOMEONE-ELSE'],
  ])(
    're-holds a released shipment whose edit is rejected after the re-hold pass skipped it (%s)',
    async (_case, attribute, value) => {
      const lut = await givenLicense(s, { authorizedQuantity: 100 });
      const licenseId = lut.license.licenseId;
      const shipment = lut.shipment({ quantity: 10 });
      await s.putShipment(shipment);
      await s.setLicenseStatus(licenseId, 'APPROVED');
      await local.drain();
      expect(await s.shipment(shipment.shipmentId)).toMatchObject({ status: 'RELEASED' });

      const licenses = streamCursor(local, 'licenses');
      await licenses();
      await local.esm.stop();
      await s.edit('shipments', { shipmentId: shipment.shipmentId }, attribute, value);
      await s.setLicenseStatus(licenseId, 'REVOKED');
      // The re-hold runs first: the shipment does not look RELEASED (or not of this license), so it is skipped.
      expect(await invokeWithRecords(local, 'license-events', await licenses())).toEqual({
        batchItemFailures: [],
      });
      expect(await s.shipment(shipment.shipmentId)).toMatchObject({ countedStatus: 'RELEASED' });
      // Then shipment-events rejects the edit and sets the shipment back: it must not stay RELEASED.
      await local.esm.start();
      await local.drain();

      expect(await s.shipment(shipment.shipmentId)).toMatchObject({
        status: 'HELD',
        countedStatus: 'HELD',
        holdReason: 'LICENSE_REVOKED',
        licenseId,
      });
      expect(await settledLicense(s, licenseId)).toMatchObject({
        appliedStatus: 'REVOKED',
        releasedQuantity: 0,
      });
      await s.expectInvariants();
    },
  );
});
