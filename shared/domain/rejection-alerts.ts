/**
 * I5 for a rejected edit: the ops alert gives the reason a person can act
 * on, the one the item keeps in `statusError`. A license's `statusError` is
 * that reason, in its alert as it stands. A shipment's status rejection
 * keeps it framed, `Rejected status <status>: <reason>.` and what was set
 * back (shared/engine/shipment-rejections.ts), and its alert gives
 * `Rejected because <reason>.`: the reason is what must be in the alert; so
 * is the problem list of a new shipment rejected as invalid, and each part of
 * rejections kept as one. Line breaks count as spaces.
 */
const FRAMED = [
  /^Rejected status .*?: (.+?\.)(?: The status was set back to \w+\.| It was changed again .*)?$/s,
  // A new shipment rejected as invalid: `Rejected: <problems>. The shipment is not counted …`.
  /^Rejected: (.+?\.) The shipment is not counted/s,
];

/** Runs of whitespace as one space: an alert may break into lines what `statusError` keeps on one. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

/** Whether an alert's text gives the reason of the rejection `statusError` keeps. */
export function alertGivesReason(text: string, statusError: string): boolean {
  const alert = flat(text);
  if (alert.includes(flat(statusError))) return true;
  // Several rejections kept as one (`Rejected edit of A: …. Rejected edit of B: …`), each its own alert paragraph.
  const parts = statusError.split(/\s(?=Rejected edit of )/);
  if (parts.length > 1 && parts.every((part) => alert.includes(flat(part)))) return true;
  return FRAMED.some((framed) => {
    const reason = framed.exec(statusError)?.[1];
    return reason !== undefined && alert.includes(flat(reason));
  });
}

/**
 * The items of `items` with a rejected edit (`statusError`) that no ops alert
 * gives the reason of: an alert without `alertType` (those are compliance
 * notices) naming the item by `attribute` whose text gives the reason (I5).
 */
export function unalerted<T extends Readonly<Record<string, unknown>>>(
  alerts: readonly { attributes: Readonly<Record<string, string | undefined>>; text: string }[],
  items: readonly T[],
  attribute: 'licenseId' | 'shipmentId',
): T[] {
  const rejections = alerts.filter((a) => a.attributes.alertType === undefined);
  return items.filter(
    (item) =>
      item.statusError !== undefined &&
      !rejections.some(
        (a) =>
          a.attributes[attribute] === String(item[attribute]) &&
          alertGivesReason(a.text, String(item.statusError)),
      ),
  );
}
