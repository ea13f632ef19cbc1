/**
 * A rejected value is quoted "cut to 80 characters and with
 * email addresses masked" (ARCHITECTURE.md "Rejections quote what the admin
 * typed", SECURITY.md "quoted safely (80 characters, email addresses
 * masked …)"). The quote lands in statusError, the ops alert and the History
 * entry, which is never changed and is kept for five years. showValue's mask
 * (shared/domain/model.ts) matches local parts in any script, and runs before
 * the cut: an address with an accented letter before the `@`, and one that the
 * 80-character cut splits before its `@`, are masked too.
 */
import { describe, expect, it } from 'vitest';
import { showValue } from '../../../shared/domain/model.js';
import { givenLicense, settleShipments, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const ADDRESS = 'josé.garcia@buyer-one.example';

describe('a rejected status that quotes an email address', () => {
  it('masks an address with a non-ASCII local part in statusError, the ops alert and the History entry', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await settleShipments(w);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('RELEASED');

    // Logistics types the confirmation into the wrong attribute.
    w.console.edit('shipments', s.shipmentId, 'status', `shipped, confirmed by ${ADDRESS}`);
    await settleShipments(w);

    const alert = w.alerter
      .about(s.shipmentId)
      .map((a) => `${a.subject}\n${a.message}`)
      .join('\n');
    const entry = w.entries().find((e) => e.shipmentId === s.shipmentId && e.eventType === 'EDIT_REJECTED');
    const quoted = {
      statusError: String(w.shipment(s.shipmentId).statusError),
      alert,
      history: JSON.stringify(entry),
    };
    // Masked as every other address is (j***@buyer-one.example), in all three.
    expect(quoted.statusError).not.toContain('josé');
    expect(quoted.alert).not.toContain('josé');
    expect(quoted.history).not.toContain('josé');
  });

  it('masks the local part of an address that the 80-character cut splits before its @', () => {
    const typed = `shipped; the receiving dock confirmed it by phone and by mail, see fatima.alrashid@buyer-one.example`;
    const shown = showValue(typed);
    // The cut falls inside "fatima.alrashid": what is shown of it is not masked.
    expect(shown).not.toContain('fatima.al');
  });
});
