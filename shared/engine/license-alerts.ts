import { isAmendmentPass } from '../domain/license-rules.js';
import type { License } from '../domain/model.js';
import { overLimits, valueCap } from '../domain/planning.js';
import type { Alerter } from '../domain/ports.js';

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
      ? `${drawn.quantity} units shipped against ${license.authorizedQuantity} authorized`
      : undefined,
    cap !== undefined && drawn.value > cap
      ? `USD ${drawn.value} shipped against a value limit of USD ${cap}`
      : undefined,
  ].filter((x): x is string => x !== undefined);
  await alerter.alert([
    {
      severity: 'high',
      subject: `HIGH SEVERITY: License ${license.licenseId}: shipped goods exceed its amended limit`,
      message: [
        `License ${license.licenseId} was amended to authorizedQuantity ${license.authorizedQuantity}${cap === undefined ? '' : ` and a value limit of USD ${cap} (with tolerance)`}.`,
        `Every unshipped shipment was put back on hold, but shipped goods alone exceed it: ${over.join('; ')}.`,
        'Shipped goods cannot be re-held. Check with compliance whether the amendment or the exports need a correction;',
        '`clearance reconcile` reports this license as over its limit by shipped goods until then.',
      ].join('\n'),
      subjectKey: { licenseId: license.licenseId },
    },
  ]);
}
