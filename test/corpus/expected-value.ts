import type { Outcome } from './cases.js';

/**
 * The exact outcome of each value and amendment case (test/corpus/value-cases.ts),
 * by case id, recorded with CORPUS_RECORD=1 and reviewed as test/corpus/expected.ts is.
 *
 * - A new license with a bad term is not applied: it stays PENDING and unapplied, with the reason.
 * - The same bad term as an amendment of an applied license is written back (`fields`: the
 *   applied value, null meaning absent) and alerted; the license keeps its status, applied terms,
 *   counters and shipments (bad-input.test.ts compares them before and after).
 * - A shipment's value is fixed while RELEASED or SHIPPED; a HELD shipment's may change, but an
 *   invalid one is written back. Without a value, or over what is left of the value limit, a
 *   shipment under a value-limited license is accepted and stays HELD.
 */
export const EXPECTED_VALUE: Readonly<Record<string, Outcome>> = {
  'license-new-value-zero': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedValue must be greater than 0',
    subject: 'License LIC-VN-VALUEZERO: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-value-zero': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be greater than 0; authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VA-VALUEZERO: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { authorizedValue: 50000 },
  },
  'license-new-value-negative': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedValue must be greater than 0',
    subject: 'License LIC-VN-VALUENEGATIVE: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-value-negative': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be greater than 0; authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VA-VALUENEGATIVE: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { authorizedValue: 50000 },
  },
  'license-new-value-cents': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: authorizedValue must be a whole number of US dollars (no cents)',
    subject: 'License LIC-VN-VALUECENTS: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-value-cents': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be a whole number of US dollars (no cents); authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VA-VALUECENTS: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { authorizedValue: 50000 },
  },
  'license-new-value-as-string': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: authorizedValue must be a Number (N) attribute in whole US dollars, not a string; type a number or remove the attribute',
    subject: 'License LIC-VN-VALUEASSTRING: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-value-as-string': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be a Number (N) attribute in whole US dollars, not a string; type a number or remove the attribute; authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VA-VALUEASSTRING: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { authorizedValue: 50000 },
  },
  'license-new-value-over-max': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedValue must be at most 1000000000000',
    subject: 'License LIC-VN-VALUEOVERMAX: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-value-over-max': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be at most 1000000000000; authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VA-VALUEOVERMAX: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { authorizedValue: 50000 },
  },
  'license-new-tolerance-26': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: valueTolerancePercent must be at most 25 (the shipping tolerance on value)',
    subject: 'License LIC-VN-TOLERANCE26: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-tolerance-26': {
    kind: 'rejected',
    statusError:
      'amendment rejected: valueTolerancePercent must be at most 25 (the shipping tolerance on value); valueTolerancePercent was set back to 10. Amend it again with a valid value',
    subject: 'License LIC-VA-TOLERANCE26: edit of valueTolerancePercent rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { valueTolerancePercent: 10 },
  },
  'license-new-tolerance-negative': {
    kind: 'rejected',
    statusError: 'the license item is invalid: valueTolerancePercent must be 0 or more',
    subject: 'License LIC-VN-TOLERANCENEGATIVE: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-tolerance-negative': {
    kind: 'rejected',
    statusError:
      'amendment rejected: valueTolerancePercent must be 0 or more; valueTolerancePercent was set back to 10. Amend it again with a valid value',
    subject: 'License LIC-VA-TOLERANCENEGATIVE: edit of valueTolerancePercent rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { valueTolerancePercent: 10 },
  },
  'license-new-tolerance-fractional': {
    kind: 'rejected',
    statusError: 'the license item is invalid: valueTolerancePercent must be a whole number of percent',
    subject: 'License LIC-VN-TOLERANCEFRACTIONAL: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-tolerance-fractional': {
    kind: 'rejected',
    statusError:
      'amendment rejected: valueTolerancePercent must be a whole number of percent; valueTolerancePercent was set back to 10. Amend it again with a valid value',
    subject: 'License LIC-VA-TOLERANCEFRACTIONAL: edit of valueTolerancePercent rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { valueTolerancePercent: 10 },
  },
  'license-new-tolerance-as-string': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: valueTolerancePercent must be a Number (N) attribute, not a string; type a number or remove the attribute',
    subject: 'License LIC-VN-TOLERANCEASSTRING: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-amended-tolerance-as-string': {
    kind: 'rejected',
    statusError:
      'amendment rejected: valueTolerancePercent must be a Number (N) attribute, not a string; type a number or remove the attribute; valueTolerancePercent was set back to 10. Amend it again with a valid value',
    subject: 'License LIC-VA-TOLERANCEASSTRING: edit of valueTolerancePercent rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { valueTolerancePercent: 10 },
  },
  'license-put-again-whole': {
    kind: 'rejected',
    statusError:
      "amendment rejected: the item was replaced by a whole item without appliedStatus, as a PutItem of an import run again or of the license's first JSON does: taken as it is, it would be a new license and lose what its shipments draw (releasedQuantity 10, releasedValue 40000). It was set back to the license as last committed (APPROVED). Edit status or terms one attribute at a time instead of putting the whole item",
    subject: 'License LIC-VA-REPUT: overwritten item set back',
    severity: 'normal',
    status: 'APPROVED',
    fields: { appliedStatus: 'APPROVED', releasedValue: 40_000 },
  },
  'license-amended-customer': {
    kind: 'rejected',
    statusError:
      'amendment rejected: customerId of an applied license cannot change (it was CUST-CORPUS, now CUST-OTHER); it was set back to CUST-CORPUS. A license for another customerId is a new license: create it and revoke this one (set its status to REVOKED)',
    subject: 'License LIC-VA-CUST: edit of customerId rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { customerId: 'CUST-CORPUS' },
  },
  'license-amended-sku': {
    kind: 'rejected',
    statusError:
      'amendment rejected: sku of an applied license cannot change (it was CX1, now CX2); it was set back to CX1. A license for another sku is a new license: create it and revoke this one (set its status to REVOKED)',
    subject: 'License LIC-VA-SKU: edit of sku rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { sku: 'CX1' },
  },
  'license-amended-country': {
    kind: 'rejected',
    statusError:
      'amendment rejected: destinationCountry of an applied license cannot change (it was AE, now CN); it was set back to AE. A license for another destinationCountry is a new license: create it and revoke this one (set its status to REVOKED)',
    subject: 'License LIC-VA-COUNTRY: edit of destinationCountry rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { destinationCountry: 'AE' },
  },
  'license-amended-valid-until-before-from': {
    kind: 'rejected',
    statusError:
      'amendment rejected: validUntil must be later than validFrom; validUntil was set back to 2099-12-31T23:59:59Z. Amend it again with a valid value',
    subject: 'License LIC-VA-UNTIL: edit of validUntil rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { validUntil: '2099-12-31T23:59:59Z' },
  },
  'license-amended-valid-from-after-until': {
    kind: 'rejected',
    statusError:
      'amendment rejected: validUntil must be later than validFrom; validFrom was set back to 2020-01-01T00:00:00Z. Amend it again with a valid value',
    subject: 'License LIC-VA-FROM: edit of validFrom rejected',
    severity: 'normal',
    status: 'APPROVED',
    fields: { validFrom: '2020-01-01T00:00:00Z' },
  },
  'license-pending-amended-customer': {
    kind: 'rejected',
    statusError:
      'amendment rejected: customerId of an applied license cannot change (it was CUST-CORPUS, now CUST-OTHER); it was set back to CUST-CORPUS. A license for another customerId is a new license: create it and deny this one (set its status to DENIED)',
    subject: 'License LIC-VP-CUST: edit of customerId rejected',
    severity: 'normal',
    status: 'PENDING',
    fields: { customerId: 'CUST-CORPUS' },
  },
  'license-pending-amended-value-negative': {
    kind: 'rejected',
    statusError:
      'amendment rejected: authorizedValue must be greater than 0; authorizedValue was set back to 50000. Amend it again with a valid value',
    subject: 'License LIC-VP-VALUENEG: edit of authorizedValue rejected',
    severity: 'normal',
    status: 'PENDING',
    fields: { authorizedValue: 50000 },
  },
  'shipment-value-negative': {
    kind: 'rejected',
    statusError:
      'Rejected: value must not be negative. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-V-NEG: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-value-cents': {
    kind: 'rejected',
    statusError:
      'Rejected: value must be a whole number of US dollars (no cents). The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-V-CENTS: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-value-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected: value must be a Number (N) attribute in whole US dollars, not a string; type a number or remove the attribute. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-V-STR: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-value-over-max': {
    kind: 'rejected',
    statusError:
      'Rejected: value must be at most 1000000000000. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-V-HUGE: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-value-edited-released': {
    kind: 'rejected',
    statusError:
      'Rejected edit of value: value cannot change while the shipment is RELEASED (its license counts it in releasedValue). The old values were restored; to change them, cancel this shipment and create a new one.',
    subject: 'Shipment SHP-V-EDREL: edit of value rejected',
    severity: 'normal',
    status: 'RELEASED',
    fields: { value: 500 },
  },
  'shipment-value-edited-released-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected edit of value: value cannot change while the shipment is RELEASED (its license counts it in releasedValue). The old values were restored; to change them, cancel this shipment and create a new one.',
    subject: 'Shipment SHP-V-EDRELSTR: edit of value rejected',
    severity: 'normal',
    status: 'RELEASED',
    fields: { value: 500 },
  },
  'shipment-value-edited-shipped': {
    kind: 'rejected',
    statusError:
      'Rejected edit of value: value cannot change while the shipment is SHIPPED (its license counts it in releasedValue). The old values were restored; a SHIPPED shipment is final, so the system cannot change them: if the recorded values are wrong, have compliance correct the export record.',
    subject: 'Shipment SHP-V-EDSHP: edit of value rejected',
    severity: 'normal',
    status: 'SHIPPED',
    fields: { value: 500 },
  },
  'shipment-value-edited-held-negative': {
    kind: 'rejected',
    statusError:
      'Rejected edit of value: value must not be negative. value set back to 500; edit it again with a valid value.',
    subject: 'Shipment SHP-V-EDHELDNEG: edit of value rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { value: 500 },
  },
  'shipment-value-edited-held-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected edit of value: value must be a Number (N) attribute in whole US dollars, not a string; type a number or remove the attribute. value removed (it had none); edit it again with a valid value.',
    subject: 'Shipment SHP-V-EDHELDSTR: edit of value rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { value: null },
  },
  'shipment-value-missing-under-value-limit': { kind: 'held', holdReason: 'SHIPMENT_VALUE_MISSING' },
  'shipment-value-over-license-limit': { kind: 'held', holdReason: 'LICENSE_VALUE_EXHAUSTED' },
};
