/**
 * What an amendment that lowered a license's limits tells ops: the shipments
 * it put back on hold (normal), or shipped goods that alone exceed the new
 * limit (high severity: nothing the system can re-hold). Both name the value
 * where the license has a value limit.
 */
import { isAmendmentPass } from '../domain/license-rules.js';
import type { License } from '../domain/model.js';
import { overLimits, valueCap } from '../domain/planning.js';
import type { Alerter } from '../domain/ports.js';

const usd = (n: number) => `USD ${n.toLocaleString('en-US')}`;
const units = (n: number) => `${n.toLocaleString('en-US')} units`;

/** The limits of a license in words, value with its tolerance where it has one. */
function limitsText(license: License): string {
  const cap = valueCap(license);
  const value =
    cap === undefined
      ? ''
      : ` and ${usd(license.authorizedValue ?? 0)} (+${license.valueTolerancePercent ?? 0} % tolerance: ${usd(cap)})`;
  return `${units(license.authorizedQuantity)}${value}`;
}

/** An amendment lowered a limit below what was released: say what the license draws now. */
export async function alertTrimmed(
  alerter: Alerter,
  license: License,
  drawn: { quantity: number; value: number },
): Promise<void> {
  await alerter.alert([
    {
      severity: 'normal',
      subject: `License ${license.licenseId}: amendment put shipments back on hold`,
      message: [
        `License ${license.licenseId} was amended to ${limitsText(license)}, below what it had released.`,
        'Unshipped shipments went back on hold, last in hold order first, until it was within its limits again',
        '(those that then fitted in hold order, first-fit, stayed released):',
        `after the re-holds it drew ${units(drawn.quantity)}${valueCap(license) === undefined ? '' : ` and ${usd(drawn.value)}`}. Their customers and warehouses are told (SHIPMENT_REHELD).`,
        'The release pass that follows releases HELD shipments that fit what is left, in hold order: `clearance license show` gives what it draws now.',
      ].join('\n'),
      subjectKey: { licenseId: license.licenseId },
    },
  ]);
}

/**
 * HIGH SEVERITY: at the end of an amendment's pass (AMEND_TOKEN_PREFIX), what
 * the license still draws exceeds a limit. Every unshipped shipment has been
 * re-held by then (trimmed, or re-held by a suspension, revocation or
 * expiry), so what is left is shipped goods, which nothing can re-hold.
 * Whatever the license's status: an amendment below what has shipped is
 * reported when it lands. `drawn` is what the license draws after the pass.
 */
export async function alertIfShippedOverLimit(
  alerter: Alerter,
  license: License,
  token: string,
  drawn: { quantity: number; value: number },
): Promise<void> {
  if (!isAmendmentPass(token)) return;
  if (!overLimits({ ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value })) return;
  const cap = valueCap(license);
  const over = [
    drawn.quantity > license.authorizedQuantity
      ? `${units(drawn.quantity)} shipped against ${license.authorizedQuantity.toLocaleString('en-US')} authorized`
      : undefined,
    cap !== undefined && drawn.value > cap
      ? `${usd(drawn.value)} shipped against a value limit of ${usd(cap)}`
      : undefined,
  ].filter((x): x is string => x !== undefined);
  await alerter.alert([
    {
      severity: 'high',
      subject: `HIGH SEVERITY: License ${license.licenseId}: shipped goods exceed its amended limit`,
      message: [
        `License ${license.licenseId} was amended to ${limitsText(license)}.`,
        `Every unshipped shipment was put back on hold, but shipped goods alone exceed it: ${over.join('; ')}.`,
        'Shipped goods cannot be re-held. Check with compliance whether the amendment or the exports need a correction;',
        '`clearance reconcile` reports this license as over its limit by shipped goods until then.',
      ].join('\n'),
      subjectKey: { licenseId: license.licenseId },
    },
  ]);
}
