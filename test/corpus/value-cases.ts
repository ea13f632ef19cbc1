/**
 * The corpus's cases for value limits and amendments (docs/data-contract.md, Licenses and Rules: a
 * license's `authorizedValue` and `valueTolerancePercent`, a shipment's
 * `value`, the rules "Value" and "Amendment"). Outcomes are in
 * test/corpus/expected-value.ts.
 *
 * An amended license is APPROVED and applied with a value limit of
 * USD 50,000 + 10 % (cap 55,000) and two shipments: USD 40,000 RELEASED and
 * USD 20,000 HELD as LICENSE_VALUE_EXHAUSTED. Every illegal amendment below
 * would move one of them if it were applied (a raised limit releases the
 * second, a lowered one re-holds the first, another customer or sku
 * mismatches both, an ended window expires the license), so "nothing moved"
 * is checked, not assumed.
 */
import type { RawItem } from '../../shared/domain/ports.js';
import {
  corpusShipment,
  type Given,
  OTHER_SKU,
  putLicense,
  putShipment,
  setLicense,
  setShipment,
  VALUE_LICENSE,
} from './builders.js';
import type { CorpusCase } from './cases.js';

type Definition = Omit<CorpusCase, 'expected'>;

/** 10^13 USD: ten times MAX_VALUE (shared/domain/model.ts), exact as a double. */
const OVER_MAX_VALUE = 10_000_000_000_000;

/** The terms of every amended license: quantity 100, value USD 50,000 with 10 % tolerance. */
export const AMENDED_TERMS: RawItem = {
  authorizedQuantity: 100,
  authorizedValue: 50_000,
  valueTolerancePercent: 10,
};

/** An APPROVED license with AMENDED_TERMS, one shipment RELEASED (USD 40,000) and one HELD (USD 20,000). */
function appliedWithValue(licenseId: string): Given {
  const stem = licenseId.replace(/^LIC-/, 'SHP-');
  return {
    license: {
      licenseId,
      applied: 'APPROVED',
      terms: AMENDED_TERMS,
      shipments: [
        // USD 40,000 fits the cap of 55,000; USD 20,000 more would not.
        { item: corpusShipment(`${stem}-1`, { licenseId, value: 40_000, priority: 1 }), becomes: 'RELEASED' },
        {
          item: corpusShipment(`${stem}-2`, { licenseId, value: 20_000, priority: 2 }),
          becomes: 'LICENSE_VALUE_EXHAUSTED',
        },
      ],
    },
  };
}

/** The bad values of the new license terms, by attribute. */
const BAD_TERMS: readonly { attribute: string; value: unknown; slug: string; what: string }[] = [
  { attribute: 'authorizedValue', value: 0, slug: 'value-zero', what: 'zero authorizedValue' },
  { attribute: 'authorizedValue', value: -1, slug: 'value-negative', what: 'negative authorizedValue' },
  {
    attribute: 'authorizedValue',
    value: 1000.5,
    slug: 'value-cents',
    what: 'authorizedValue with cents (1000.5)',
  },
  {
    attribute: 'authorizedValue',
    value: '5000',
    slug: 'value-as-string',
    what: 'authorizedValue typed as a string',
  },
  {
    attribute: 'authorizedValue',
    value: OVER_MAX_VALUE,
    slug: 'value-over-max',
    what: 'authorizedValue over the maximum (10^13 USD)',
  },
  {
    attribute: 'valueTolerancePercent',
    value: 26,
    slug: 'tolerance-26',
    what: 'valueTolerancePercent over 25',
  },
  {
    attribute: 'valueTolerancePercent',
    value: -1,
    slug: 'tolerance-negative',
    what: 'negative valueTolerancePercent',
  },
  {
    attribute: 'valueTolerancePercent',
    value: 2.5,
    slug: 'tolerance-fractional',
    what: 'fractional valueTolerancePercent',
  },
  {
    attribute: 'valueTolerancePercent',
    value: '10',
    slug: 'tolerance-as-string',
    what: 'valueTolerancePercent typed as a string',
  },
];

const code = (slug: string) => slug.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Each bad term on a new (PENDING) license, and as an amendment of an applied APPROVED one. */
function badTerms(): Definition[] {
  return BAD_TERMS.flatMap(({ attribute, value, slug, what }) => {
    const inserted = `LIC-VN-${code(slug)}`;
    const amended = `LIC-VA-${code(slug)}`;
    // A new license carries the valid terms, with the bad one over them.
    const terms: RawItem = { ...AMENDED_TERMS, [attribute]: value };
    return [
      { id: `license-new-${slug}`, title: `new license with ${what}`, write: putLicense(inserted, terms) },
      {
        id: `license-amended-${slug}`,
        title: `${what} on an APPROVED license (amendment)`,
        given: appliedWithValue(amended),
        write: setLicense(amended, attribute, value),
      },
    ];
  });
}

/** Identity and validity amendments of an applied APPROVED license. */
const AMENDMENTS: readonly Definition[] = [
  {
    id: 'license-amended-customer',
    title: 'customerId of an APPROVED license edited',
    given: appliedWithValue('LIC-VA-CUST'),
    write: setLicense('LIC-VA-CUST', 'customerId', 'CUST-OTHER'),
  },
  {
    id: 'license-amended-sku',
    title: 'sku of an APPROVED license edited',
    given: appliedWithValue('LIC-VA-SKU'),
    write: setLicense('LIC-VA-SKU', 'sku', OTHER_SKU),
  },
  {
    id: 'license-amended-country',
    title: 'destinationCountry of an APPROVED license edited',
    given: appliedWithValue('LIC-VA-COUNTRY'),
    write: setLicense('LIC-VA-COUNTRY', 'destinationCountry', 'CN'),
  },
  {
    id: 'license-amended-valid-until-before-from',
    title: 'validUntil of an APPROVED license amended to before its validFrom',
    given: appliedWithValue('LIC-VA-UNTIL'),
    write: setLicense('LIC-VA-UNTIL', 'validUntil', '2019-06-30T00:00:00Z'),
  },
  {
    id: 'license-amended-valid-from-after-until',
    title: 'validFrom of an APPROVED license amended to after its validUntil',
    given: appliedWithValue('LIC-VA-FROM'),
    write: setLicense('LIC-VA-FROM', 'validFrom', '2100-01-01T00:00:00Z'),
  },
  {
    id: 'license-put-again-whole',
    title:
      'APPROVED license put again whole, as granted (an import run again): nothing drawn, no appliedStatus',
    given: appliedWithValue('LIC-VA-REPUT'),
    write: putLicense('LIC-VA-REPUT', { ...AMENDED_TERMS, status: 'APPROVED' }),
  },
  {
    id: 'license-pending-amended-customer',
    title: 'customerId of a PENDING license edited',
    given: { license: { licenseId: 'LIC-VP-CUST', applied: 'PENDING', terms: AMENDED_TERMS } },
    write: setLicense('LIC-VP-CUST', 'customerId', 'CUST-OTHER'),
  },
  {
    id: 'license-pending-amended-value-negative',
    title: 'negative authorizedValue on a PENDING license (edit)',
    given: { license: { licenseId: 'LIC-VP-VALUENEG', applied: 'PENDING', terms: AMENDED_TERMS } },
    write: setLicense('LIC-VP-VALUENEG', 'authorizedValue', -1),
  },
];

/** Bad shipment values, new and edited, and the holds a value limit implies. */
const SHIPMENT_VALUES: readonly Definition[] = [
  {
    id: 'shipment-value-negative',
    title: 'negative value',
    write: putShipment('SHP-V-NEG', { value: -1 }),
  },
  {
    id: 'shipment-value-cents',
    title: 'value with cents (10.5)',
    write: putShipment('SHP-V-CENTS', { value: 10.5 }),
  },
  {
    id: 'shipment-value-as-string',
    title: 'value typed as a string',
    write: putShipment('SHP-V-STR', { value: '100' }),
  },
  {
    id: 'shipment-value-over-max',
    title: 'value over the maximum (10^13 USD)',
    write: putShipment('SHP-V-HUGE', { value: OVER_MAX_VALUE }),
  },
  {
    id: 'shipment-value-edited-released',
    title: 'value of a RELEASED shipment edited',
    given: { shipment: { shipmentId: 'SHP-V-EDREL', counted: 'RELEASED', fields: { value: 500 } } },
    write: setShipment('SHP-V-EDREL', 'value', 900),
  },
  {
    id: 'shipment-value-edited-released-as-string',
    title: 'value of a RELEASED shipment edited to a string',
    given: { shipment: { shipmentId: 'SHP-V-EDRELSTR', counted: 'RELEASED', fields: { value: 500 } } },
    write: setShipment('SHP-V-EDRELSTR', 'value', '900'),
  },
  {
    id: 'shipment-value-edited-shipped',
    title: 'value of a SHIPPED shipment edited',
    given: { shipment: { shipmentId: 'SHP-V-EDSHP', counted: 'SHIPPED', fields: { value: 500 } } },
    write: setShipment('SHP-V-EDSHP', 'value', 0),
  },
  {
    id: 'shipment-value-edited-held-negative',
    title: 'value of a HELD shipment edited to a negative number',
    given: { shipment: { shipmentId: 'SHP-V-EDHELDNEG', counted: 'HELD', fields: { value: 500 } } },
    write: setShipment('SHP-V-EDHELDNEG', 'value', -1),
  },
  {
    id: 'shipment-value-edited-held-as-string',
    title: 'value of a HELD shipment edited to a string',
    given: { shipment: { shipmentId: 'SHP-V-EDHELDSTR', counted: 'HELD' } },
    write: setShipment('SHP-V-EDHELDSTR', 'value', '100'),
  },
  {
    id: 'shipment-value-missing-under-value-limit',
    title: 'shipment without value under a license with a value limit',
    write: putShipment('SHP-V-NOVALUE', { licenseId: VALUE_LICENSE }),
  },
  {
    id: 'shipment-value-over-license-limit',
    title: "shipment worth more than its license's value limit",
    write: putShipment('SHP-V-OVERLIMIT', { licenseId: VALUE_LICENSE, value: 2_000_000 }),
  },
];

/** The value and amendment cases, without their outcomes. */
export const VALUE_DEFINITIONS: readonly Definition[] = [...badTerms(), ...AMENDMENTS, ...SHIPMENT_VALUES];
