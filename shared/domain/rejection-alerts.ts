/**
 * I5 for a rejected edit: the ops alert gives the reason a person can act
 * on, the one the item keeps in `statusError`. A license's `statusError` is
 * that reason, in its alert as it stands. A shipment's status rejection
 * keeps it framed, `Rejected status <status>: <reason>.` and what was set
 * back (shared/engine/shipment-rejections.ts), and its alert gives
 * `Rejected because <reason>.`: the reason is what must be in the alert.
 */
const FRAMED =
  /^Rejected status .*?: (.+?\.)(?: The status was set back to \w+\.| It was changed again .*)?$/s;

/** Whether an alert's text gives the reason of the rejection `statusError` keeps. */
export function alertGivesReason(text: string, statusError: string): boolean {
  if (text.includes(statusError)) return true;
  const reason = FRAMED.exec(statusError)?.[1];
  return reason !== undefined && text.includes(reason);
}
