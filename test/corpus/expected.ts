import type { Outcome } from './cases.js';
import { EXPECTED_VALUE } from './expected-value.js';

/**
 * The exact outcome of each corpus case, by case id: what the admin sees in
 * `statusError` and in the ops alert. Recorded with CORPUS_RECORD=1 and
 * reviewed: each reason must tell a person what is wrong and how to fix it.
 */
export const EXPECTED: Readonly<Record<string, Outcome>> = {
  'license-quantity-as-string': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: authorizedQuantity must be a Number (N) attribute, not a string',
    subject: 'License LIC-B-QSTR: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-quantity-negative': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedQuantity must be greater than 0',
    subject: 'License LIC-B-QNEG: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-quantity-zero': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedQuantity must be greater than 0',
    subject: 'License LIC-B-QZERO: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-quantity-fractional': {
    kind: 'rejected',
    statusError: 'the license item is invalid: authorizedQuantity must be a whole number',
    subject: 'License LIC-B-QFRAC: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-quantity-enormous': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: authorizedQuantity must be a whole number; authorizedQuantity must be at most 1000000000',
    subject: 'License LIC-B-QHUGE: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-quantity-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected: quantity must be a Number (N) attribute, not a string. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-QSTR: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-quantity-negative': {
    kind: 'rejected',
    statusError:
      'Rejected: quantity must be greater than 0. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-QNEG: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-quantity-zero': {
    kind: 'rejected',
    statusError:
      'Rejected: quantity must be greater than 0. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-QZERO: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-quantity-fractional': {
    kind: 'rejected',
    statusError:
      'Rejected: quantity must be a whole number. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-QFRAC: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-quantity-enormous': {
    kind: 'rejected',
    statusError:
      'Rejected: quantity must be a whole number; quantity must be at most 1000000000. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-QHUGE: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-quantity-edited-enormous': {
    kind: 'rejected',
    statusError:
      'Rejected edit of quantity: these cannot change once a shipment is accepted (counters and the license depend on them). The old values were restored; to change them, cancel this shipment and create a new one.',
    subject: 'Shipment SHP-B-QEDIT2: edit of quantity rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { quantity: 10 },
  },
  'shipment-quantity-edited': {
    kind: 'rejected',
    statusError:
      'Rejected edit of quantity: these cannot change once a shipment is accepted (counters and the license depend on them). The old values were restored; to change them, cancel this shipment and create a new one.',
    subject: 'Shipment SHP-B-QEDIT: edit of quantity rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { quantity: 10 },
  },
  'shipment-put-again-whole': {
    kind: 'rejected',
    statusError:
      'Rejected: the item was replaced by a whole item whose system attributes are not the ones the system committed (countedStatus RELEASED → nothing, revision 2 → nothing), as a PutItem of an import run again or of an old copy does. It was set back to the shipment as last committed (RELEASED); nothing was counted twice. To change it, edit that attribute (status, value) instead of putting the whole item.',
    subject: 'Shipment SHP-B-REPUT: overwritten item set back',
    severity: 'normal',
    status: 'RELEASED',
    fields: { countedStatus: 'RELEASED', revision: 2 },
  },
  'shipment-priority-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected: priority must be a Number (N) attribute, not a string. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-PSTR: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-priority-edited-as-string': {
    kind: 'rejected',
    statusError:
      'Rejected edit of priority: priority must be a Number (N) attribute, not a string. priority set back to 5; edit it again with a valid value.',
    subject: 'Shipment SHP-B-PEDIT: edit of priority rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { priority: 5 },
  },
  'license-missing-key': {
    kind: 'refused',
    error: 'ValidationException: One of the required keys was not given a value',
  },
  'shipment-missing-key': {
    kind: 'refused',
    error: 'ValidationException: One of the required keys was not given a value',
  },
  'shipment-missing-sku': {
    kind: 'rejected',
    statusError: 'Rejected: sku is missing. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-NOSKU: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'license-status-lowercase': {
    kind: 'rejected',
    statusError:
      'status "approved" is not a license status; use one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED. Did you mean APPROVED?',
    subject: 'License LIC-B-LOWER: status edit rejected',
    severity: 'normal',
    status: 'approved',
  },
  'license-status-unknown': {
    kind: 'rejected',
    statusError:
      'status "GRANTED" is not a license status; use one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED.',
    subject: 'License LIC-B-UNKNOWN: status edit rejected',
    severity: 'normal',
    status: 'GRANTED',
  },
  'license-status-number': {
    kind: 'rejected',
    statusError:
      'status "1" is not a license status; use one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED.',
    subject: 'License LIC-B-STATNUM: status edit rejected',
    severity: 'normal',
  },
  'shipment-status-lowercase': {
    kind: 'rejected',
    statusError:
      'Rejected status shipped: status "shipped" is not a shipment status; use one of HELD, RELEASED, SHIPPED, CANCELLED. The status was set back to RELEASED.',
    subject: 'Shipment SHP-B-LOWER: status edit RELEASED → shipped rejected',
    severity: 'normal',
    status: 'RELEASED',
  },
  'shipment-status-unknown': {
    kind: 'rejected',
    statusError:
      'Rejected status ON_HOLD: status "ON_HOLD" is not a shipment status; use one of HELD, RELEASED, SHIPPED, CANCELLED. The status was set back to HELD.',
    subject: 'Shipment SHP-B-UNKNOWN: status edit HELD → ON_HOLD rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'license-new-as-suspended': {
    kind: 'rejected',
    statusError: 'a new license must start as PENDING, APPROVED, DENIED, not SUSPENDED',
    subject: 'License LIC-T-NEW-SUSPENDED: status edit rejected',
    severity: 'normal',
    status: 'SUSPENDED',
  },
  'license-new-as-revoked': {
    kind: 'rejected',
    statusError: 'a new license must start as PENDING, APPROVED, DENIED, not REVOKED',
    subject: 'License LIC-T-NEW-REVOKED: status edit rejected',
    severity: 'normal',
    status: 'REVOKED',
  },
  'license-new-as-expired': {
    kind: 'rejected',
    statusError: 'a new license must start as PENDING, APPROVED, DENIED, not EXPIRED',
    subject: 'License LIC-T-NEW-EXPIRED: status edit rejected',
    severity: 'normal',
    status: 'EXPIRED',
  },
  'license-pending-to-suspended': {
    kind: 'rejected',
    statusError:
      'PENDING → SUSPENDED is not allowed; from PENDING the status may become APPROVED, DENIED (or set it back to PENDING)',
    subject: 'License LIC-T-PENDING-SUSPENDED: status edit rejected',
    severity: 'normal',
    status: 'SUSPENDED',
  },
  'license-pending-to-revoked': {
    kind: 'rejected',
    statusError:
      'PENDING → REVOKED is not allowed; from PENDING the status may become APPROVED, DENIED (or set it back to PENDING)',
    subject: 'License LIC-T-PENDING-REVOKED: status edit rejected',
    severity: 'normal',
    status: 'REVOKED',
  },
  'license-pending-to-expired': {
    kind: 'rejected',
    statusError:
      'PENDING → EXPIRED is not allowed; from PENDING the status may become APPROVED, DENIED (or set it back to PENDING)',
    subject: 'License LIC-T-PENDING-EXPIRED: status edit rejected',
    severity: 'normal',
    status: 'EXPIRED',
  },
  'license-approved-to-pending': {
    kind: 'rejected',
    statusError:
      'APPROVED → PENDING is not allowed; from APPROVED the status may become SUSPENDED, REVOKED, EXPIRED (or set it back to APPROVED)',
    subject: 'License LIC-T-APPROVED-PENDING: status edit rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-approved-to-denied': {
    kind: 'rejected',
    statusError:
      'APPROVED → DENIED is not allowed; from APPROVED the status may become SUSPENDED, REVOKED, EXPIRED (or set it back to APPROVED)',
    subject: 'License LIC-T-APPROVED-DENIED: status edit rejected',
    severity: 'normal',
    status: 'DENIED',
  },
  'license-denied-to-pending': {
    kind: 'rejected',
    statusError: 'DENIED → PENDING is not allowed: DENIED is final (set status back to DENIED)',
    subject: 'License LIC-T-DENIED-PENDING: status edit rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-denied-to-approved': {
    kind: 'rejected',
    statusError: 'DENIED → APPROVED is not allowed: DENIED is final (set status back to DENIED)',
    subject: 'License LIC-T-DENIED-APPROVED: status edit rejected',
    severity: 'normal',
    status: 'APPROVED',
  },
  'license-denied-to-suspended': {
    kind: 'rejected',
    statusError: 'DENIED → SUSPENDED is not allowed: DENIED is final (set status back to DENIED)',
    subject: 'License LIC-T-DENIED-SUSPENDED: status edit rejected',
    severity: 'normal',
    status: 'SUSPENDED',
  },
  'license-denied-to-revoked': {
    kind: 'rejected',
    statusError: 'DENIED → REVOKED is not allowed: DENIED is final (set status back to DENIED)',
    subject: 'License LIC-T-DENIED-REVOKED: status edit rejected',
    severity: 'normal',
    status: 'REVOKED',
  },
  'license-denied-to-expired': {
    kind: 'rejected',
    statusError: 'DENIED → EXPIRED is not allowed: DENIED is final (set status back to DENIED)',
    subject: 'License LIC-T-DENIED-EXPIRED: status edit rejected',
    severity: 'normal',
    status: 'EXPIRED',
  },
  'license-suspended-to-pending': {
    kind: 'rejected',
    statusError:
      'SUSPENDED → PENDING is not allowed; from SUSPENDED the status may become APPROVED, REVOKED, EXPIRED (or set it back to SUSPENDED)',
    subject: 'License LIC-T-SUSPENDED-PENDING: status edit rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-suspended-to-denied': {
    kind: 'rejected',
    statusError:
      'SUSPENDED → DENIED is not allowed; from SUSPENDED the status may become APPROVED, REVOKED, EXPIRED (or set it back to SUSPENDED)',
    subject: 'License LIC-T-SUSPENDED-DENIED: status edit rejected',
    severity: 'normal',
    status: 'DENIED',
  },
  'license-revoked-to-pending': {
    kind: 'rejected',
    statusError: 'REVOKED → PENDING is not allowed: REVOKED is final (set status back to REVOKED)',
    subject: 'License LIC-T-REVOKED-PENDING: status edit rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-revoked-to-approved': {
    kind: 'rejected',
    statusError: 'REVOKED → APPROVED is not allowed: REVOKED is final (set status back to REVOKED)',
    subject: 'License LIC-T-REVOKED-APPROVED: status edit rejected',
    severity: 'normal',
    status: 'APPROVED',
  },
  'license-revoked-to-denied': {
    kind: 'rejected',
    statusError: 'REVOKED → DENIED is not allowed: REVOKED is final (set status back to REVOKED)',
    subject: 'License LIC-T-REVOKED-DENIED: status edit rejected',
    severity: 'normal',
    status: 'DENIED',
  },
  'license-revoked-to-suspended': {
    kind: 'rejected',
    statusError: 'REVOKED → SUSPENDED is not allowed: REVOKED is final (set status back to REVOKED)',
    subject: 'License LIC-T-REVOKED-SUSPENDED: status edit rejected',
    severity: 'normal',
    status: 'SUSPENDED',
  },
  'license-revoked-to-expired': {
    kind: 'rejected',
    statusError: 'REVOKED → EXPIRED is not allowed: REVOKED is final (set status back to REVOKED)',
    subject: 'License LIC-T-REVOKED-EXPIRED: status edit rejected',
    severity: 'normal',
    status: 'EXPIRED',
  },
  'license-expired-to-pending': {
    kind: 'rejected',
    statusError: 'EXPIRED → PENDING is not allowed: EXPIRED is final (set status back to EXPIRED)',
    subject: 'License LIC-T-EXPIRED-PENDING: status edit rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-expired-to-approved': {
    kind: 'rejected',
    statusError: 'EXPIRED → APPROVED is not allowed: EXPIRED is final (set status back to EXPIRED)',
    subject: 'License LIC-T-EXPIRED-APPROVED: status edit rejected',
    severity: 'normal',
    status: 'APPROVED',
  },
  'license-expired-to-denied': {
    kind: 'rejected',
    statusError: 'EXPIRED → DENIED is not allowed: EXPIRED is final (set status back to EXPIRED)',
    subject: 'License LIC-T-EXPIRED-DENIED: status edit rejected',
    severity: 'normal',
    status: 'DENIED',
  },
  'license-expired-to-suspended': {
    kind: 'rejected',
    statusError: 'EXPIRED → SUSPENDED is not allowed: EXPIRED is final (set status back to EXPIRED)',
    subject: 'License LIC-T-EXPIRED-SUSPENDED: status edit rejected',
    severity: 'normal',
    status: 'SUSPENDED',
  },
  'license-expired-to-revoked': {
    kind: 'rejected',
    statusError: 'EXPIRED → REVOKED is not allowed: EXPIRED is final (set status back to EXPIRED)',
    subject: 'License LIC-T-EXPIRED-REVOKED: status edit rejected',
    severity: 'normal',
    status: 'REVOKED',
  },
  'shipment-new-as-released': {
    kind: 'rejected',
    statusError:
      'Rejected status RELEASED: a new shipment must start as HELD, not RELEASED; the system alone releases shipments.',
    subject: 'Shipment SHP-T-NEW-RELEASED: status edit new → RELEASED rejected',
    severity: 'normal',
    status: 'RELEASED',
  },
  'shipment-new-as-shipped': {
    kind: 'rejected',
    statusError:
      'Rejected status SHIPPED: a new shipment must start as HELD, not SHIPPED; the system alone releases shipments.',
    subject: 'Shipment SHP-T-NEW-SHIPPED: status edit new → SHIPPED rejected',
    severity: 'normal',
    status: 'SHIPPED',
  },
  'shipment-new-as-cancelled': {
    kind: 'rejected',
    statusError:
      'Rejected status CANCELLED: a new shipment must start as HELD, not CANCELLED; the system alone releases shipments.',
    subject: 'Shipment SHP-T-NEW-CANCELLED: status edit new → CANCELLED rejected',
    severity: 'normal',
    status: 'CANCELLED',
  },
  'shipment-held-to-released': {
    kind: 'rejected',
    statusError:
      'Rejected status RELEASED: HELD → RELEASED by hand bypasses the license check; approve the license instead and the system releases the shipment. The status was set back to HELD.',
    subject: 'Shipment SHP-T-HELD-RELEASED: status edit HELD → RELEASED rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-held-to-shipped': {
    kind: 'rejected',
    statusError:
      'Rejected status SHIPPED: HELD → SHIPPED is not allowed: the shipment has no approved license. If goods left the warehouse this is a possible export violation; escalate to compliance. The status was set back to HELD.',
    subject: 'HIGH SEVERITY: Shipment SHP-T-HELD-SHIPPED: status edit HELD → SHIPPED rejected',
    severity: 'high',
    status: 'HELD',
  },
  'shipment-released-to-held': {
    kind: 'rejected',
    statusError:
      'Rejected status HELD: RELEASED → HELD is not allowed; from RELEASED the status may become SHIPPED or CANCELLED. The status was set back to RELEASED.',
    subject: 'Shipment SHP-T-RELEASED-HELD: status edit RELEASED → HELD rejected',
    severity: 'normal',
    status: 'RELEASED',
  },
  'shipment-shipped-to-held': {
    kind: 'rejected',
    statusError:
      'Rejected status HELD: SHIPPED → HELD is not allowed: SHIPPED is final. The status was set back to SHIPPED.',
    subject: 'Shipment SHP-T-SHIPPED-HELD: status edit SHIPPED → HELD rejected',
    severity: 'normal',
    status: 'SHIPPED',
  },
  'shipment-shipped-to-released': {
    kind: 'rejected',
    statusError:
      'Rejected status RELEASED: SHIPPED → RELEASED is not allowed: SHIPPED is final. The status was set back to SHIPPED.',
    subject: 'Shipment SHP-T-SHIPPED-RELEASED: status edit SHIPPED → RELEASED rejected',
    severity: 'normal',
    status: 'SHIPPED',
  },
  'shipment-shipped-to-cancelled': {
    kind: 'rejected',
    statusError:
      'Rejected status CANCELLED: SHIPPED → CANCELLED is not allowed: SHIPPED is final. The status was set back to SHIPPED.',
    subject: 'Shipment SHP-T-SHIPPED-CANCELLED: status edit SHIPPED → CANCELLED rejected',
    severity: 'normal',
    status: 'SHIPPED',
  },
  'shipment-cancelled-to-held': {
    kind: 'rejected',
    statusError:
      'Rejected status HELD: CANCELLED → HELD is not allowed: CANCELLED is final. The status was set back to CANCELLED.',
    subject: 'Shipment SHP-T-CANCELLED-HELD: status edit CANCELLED → HELD rejected',
    severity: 'normal',
    status: 'CANCELLED',
  },
  'shipment-cancelled-to-released': {
    kind: 'rejected',
    statusError:
      'Rejected status RELEASED: CANCELLED → RELEASED is not allowed: CANCELLED is final. The status was set back to CANCELLED.',
    subject: 'Shipment SHP-T-CANCELLED-RELEASED: status edit CANCELLED → RELEASED rejected',
    severity: 'normal',
    status: 'CANCELLED',
  },
  'shipment-cancelled-to-shipped': {
    kind: 'rejected',
    statusError:
      'Rejected status SHIPPED: CANCELLED → SHIPPED is not allowed: CANCELLED is final. The status was set back to CANCELLED.',
    subject: 'Shipment SHP-T-CANCELLED-SHIPPED: status edit CANCELLED → SHIPPED rejected',
    severity: 'normal',
    status: 'CANCELLED',
  },
  'license-valid-until-before-from': {
    kind: 'rejected',
    statusError: 'the license item is invalid: validUntil must be later than validFrom',
    subject: 'License LIC-B-WINDOW: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-valid-from-unparsable': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: validFrom must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z; validUntil must be later than validFrom',
    subject: 'License LIC-B-DATE: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-valid-until-local-format': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: validUntil must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z; validUntil must be later than validFrom',
    subject: 'License LIC-B-DATE2: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-requested-at-unparsable': {
    kind: 'rejected',
    statusError:
      'Rejected: requestedAt must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-DATE: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'license-status-300kb': {
    kind: 'rejected',
    statusError:
      'status "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX… (307200 characters)" is not a license status; use one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED.',
    subject: 'License LIC-B-HUGESTAT: status edit rejected',
    severity: 'normal',
  },
  'license-reason-300kb': {
    kind: 'rejected',
    statusError: 'the license item is invalid: statusReason must be at most 1000 characters',
    subject: 'License LIC-B-HUGEREASON: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-status-300kb': {
    kind: 'rejected',
    statusError:
      'Rejected status XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX… (307200 characters): status "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX… (307200 characters)" is not a shipment status; use one of HELD, RELEASED, SHIPPED, CANCELLED. The status was set back to HELD.',
    // SNS takes subjects under 100 characters: the middle is cut, never what happened.
    subject: `Shipment SHP-B-HUGESTAT: status edit HEL...${'X'.repeat(26)}… (307200 characters) rejected`,
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-sku-300kb': {
    kind: 'rejected',
    statusError:
      "Rejected: sku must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    subject: 'Shipment SHP-B-HUGESKU: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-id-overlong': {
    kind: 'rejected',
    statusError:
      "Rejected: shipmentId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    // SNS takes subjects under 100 characters: the id is cut, never what happened.
    subject: `Shipment SHP-B-${'I'.repeat(58)}...: invalid item rejected`,
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-license-id-overlong': {
    kind: 'rejected',
    statusError:
      "Rejected: licenseId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    subject: 'Shipment SHP-B-LONGLIC: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'license-id-quotes': {
    kind: 'rejected',
    statusError:
      "the license item is invalid: licenseId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
    subject: 'License LIC-"x"\'; DROP TABLE licenses;--: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'license-id-newline': {
    kind: 'rejected',
    statusError:
      "the license item is invalid: licenseId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
    subject: 'License LIC-B FORGED: approved by compliance: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-id-injection': {
    kind: 'rejected',
    statusError:
      "Rejected: shipmentId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    subject: 'Shipment SHP-"a" \'); DELETE FROM shipments; --: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-customer-injection': {
    kind: 'rejected',
    statusError:
      "Rejected: customerId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    subject: 'Shipment SHP-B-NOSQL: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-warehouse-template': {
    kind: 'rejected',
    statusError:
      "Rejected: warehouseId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'. The shipment is not counted or released until this is fixed.",
    subject: 'Shipment SHP-B-TEMPLATE: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-customer-mismatch': { kind: 'held', holdReason: 'LICENSE_MISMATCH' },
  'shipment-sku-mismatch': { kind: 'held', holdReason: 'LICENSE_MISMATCH' },
  'license-unknown-sku': {
    kind: 'rejected',
    statusError:
      'sku NO-SUCH-SKU has no Inventory item in any warehouse; create the Inventory item first or correct the sku',
    subject: 'License LIC-B-NOSKU: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-unknown-warehouse': {
    kind: 'rejected',
    statusError:
      'Rejected: there is no Inventory item for sku CX1 at warehouse WH-NOWHERE; correct sku/warehouseId, or create the item (with onHand) and then edit this shipment (removing its statusError will do): it is taken in only on its next edit. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-NOWH: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'shipment-unknown-sku': {
    kind: 'rejected',
    statusError:
      'Rejected: there is no Inventory item for sku NO-SUCH-SKU at warehouse WH-1; correct sku/warehouseId, or create the item (with onHand) and then edit this shipment (removing its statusError will do): it is taken in only on its next edit. The shipment is not counted or released until this is fixed.',
    subject: 'Shipment SHP-B-NOSKU2: invalid item rejected',
    severity: 'normal',
    status: 'HELD',
  },
  'license-country-lowercase': {
    kind: 'rejected',
    statusError:
      'the license item is invalid: destinationCountry must be an ISO 3166-1 alpha-2 code in upper case, e.g. AE',
    subject: 'License LIC-B-COUNTRY: invalid item rejected',
    severity: 'normal',
    status: 'PENDING',
  },
  'shipment-license-edited': {
    kind: 'rejected',
    statusError:
      'Rejected edit of licenseId: these cannot change once a shipment is accepted (counters and the license depend on them). The old values were restored; to change them, cancel this shipment and create a new one.',
    subject: 'Shipment SHP-B-RELICENSE: edit of licenseId rejected',
    severity: 'normal',
    status: 'HELD',
    fields: { licenseId: 'LIC-CORPUS-WAIT' },
  },
  ...EXPECTED_VALUE,
};
