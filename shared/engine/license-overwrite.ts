/**
 * A license item replaced by a whole-item PutItem without `appliedStatus`:
 * an import run again, the item created again from its first JSON. Taken as
 * it is, it is a new license: its `releasedQuantity` and `releasedValue` are
 * gone while its RELEASED and SHIPPED shipments still draw them, and an
 * approval would release past the limit (I2). So the put is refused whole,
 * as an overwritten shipment is (shipment-rejections.ts).
 */
import { ConflictError } from '../domain/errors.js';
import { attributedOf, licenseRejectionEntry, readLastDecision } from '../domain/history.js';
import { isReplacedRefusal } from '../domain/license-rules.js';
import { showValue, valueOrNothing } from '../domain/model.js';
import type { RawItem } from '../domain/ports.js';
import { AMENDABLE_TERMS, AMENDMENT_REJECTED, IDENTITY_TERMS } from '../domain/terms.js';
import { COUNTER_REVISION } from '../names.js';
import type { LicenseEngineDeps } from './license-engine.js';

/** The fields people set: a put that changed one of them asked for something the write-back undoes. */
const PEOPLE_SET = ['status', 'licenseNumber', ...IDENTITY_TERMS, ...AMENDABLE_TERMS] as const;

/** Attributes the write-back sets itself, or that name the item. */
const OWN = new Set(['licenseId', 'statusError', 'changedBy', 'attributed']);

/**
 * Whether a Licenses stream record is such a put: its old image had an
 * `appliedStatus`, its new one has none. The old image is the license as the
 * system last committed it.
 */
export const isOverwrite = (
  oldImage: RawItem | undefined,
  newImage: RawItem | undefined,
): oldImage is RawItem =>
  oldImage?.appliedStatus !== undefined && newImage !== undefined && newImage.appliedStatus === undefined;

/** The drawdown attributes a shipment's manual edit moves with an ADD, whatever the item holds (a RELEASED one cancelled). */
const DRAWN = ['releasedQuantity', 'releasedValue'] as const;

const amount = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Sets every attribute of the license back from `old` (and removes the ones
 * `old` did not have), if the item still has no `appliedStatus`, with a
 * rejected-edit History entry in the same write; ops is alerted first (a
 * crash in between repeats the alert, never loses it). High severity when
 * the put changed a field people set (status, terms): that change was not
 * made and must be made again. Then it asks for a pass of the applied
 * status, for what was taken in while the item had none. Returns whether it
 * wrote the item back.
 *
 * A RELEASED shipment cancelled while the item is overwritten gives its
 * units back with an ADD on the item as it is (`put`, the record's new image,
 * is what the put wrote): that change is kept on top of `old`'s drawdown, and
 * the write-back is conditional on the drawdown it read, so one made since
 * is not lost either (it reads again).
 */
export async function licenseOverwritten(
  deps: Pick<LicenseEngineDeps, 'alerter' | 'licenses' | 'now' | 'newToken'>,
  licenseId: string,
  old: RawItem,
  put?: RawItem,
): Promise<boolean> {
  let alerted = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    const raw = await deps.licenses.get(licenseId);
    if (!raw) return false;
    if (raw.appliedStatus !== undefined) {
      // Set back before (a redelivery), or put back since: nothing to do, unless it was applied from the put.
      if (appliedFromPut(old, raw)) await alertAppliedFromPut(deps, licenseId, old, put, raw);
      return false;
    }
    if (await writeBack(deps, licenseId, old, put, raw, alerted)) {
      // A shipment taken in meanwhile saw no appliedStatus (held as LICENSE_PENDING) and its release
      // request failed: a pass of the applied status releases, re-holds or relabels it.
      await deps.licenses.requestPass(licenseId, String(old.appliedStatus), deps.newToken());
      return true;
    }
    alerted = true;
  }
  throw new ConflictError(
    `License ${licenseId}: its drawdown kept moving while its overwritten item was set back`,
  );
}

async function writeBack(
  deps: Pick<LicenseEngineDeps, 'alerter' | 'licenses' | 'now' | 'newToken'>,
  licenseId: string,
  old: RawItem,
  put: RawItem | undefined,
  raw: RawItem,
  alerted: boolean,
): Promise<boolean> {
  const kept = (f: string) => !OWN.has(f);
  const refused = isReplacedRefusal(raw.statusError);
  const moved = Object.fromEntries(
    DRAWN.filter((f) => put !== undefined && amount(raw[f]) !== amount(put[f])).map((f) => [
      f,
      amount(old[f]) + amount(raw[f]) - amount(put?.[f]),
    ]),
  );
  const revert = {
    ...Object.fromEntries(Object.entries(old).filter(([f]) => kept(f))),
    ...Object.fromEntries(
      Object.keys(raw)
        .filter((f) => kept(f) && old[f] === undefined)
        .map((f) => [f, null]),
    ),
    ...moved,
    // Past both the committed item's and the put's (whose ADDs count from nothing): a reconcile that read
    // either sees its fix fail, though the drawdown may be set back to the value it read.
    [COUNTER_REVISION]: amount(old[COUNTER_REVISION]) + amount(raw[COUNTER_REVISION]) + 1,
  };
  // What the put changed of the fields people set (not the system's own, which the old item has and it lacks).
  const tried = PEOPLE_SET.filter((f) => JSON.stringify(raw[f]) !== JSON.stringify(old[f])).map(
    (f) => `${f} ${valueOrNothing(old[f])} → ${valueOrNothing(raw[f])}`,
  );
  const drawn = `releasedQuantity ${showValue(old.releasedQuantity ?? 0)}, releasedValue ${showValue(old.releasedValue ?? 0)}`;
  // A rejected amendment's prefix: the reason stays on the item until the next legal edit, as the write-back leaves nothing else to show.
  const reason = `${AMENDMENT_REJECTED}the item was replaced by a whole item without appliedStatus, as a PutItem of an import run again or of the license's first JSON does: taken as it is, it would be a new license and lose what its shipments draw (${drawn}). It was set back to the license as last committed (${showValue(old.appliedStatus)}). Edit status or terms one attribute at a time instead of putting the whole item`;
  if (!alerted)
    await deps.alerter.alert([
      {
        severity: tried.length > 0 ? 'high' : 'normal',
        subject: `${tried.length > 0 ? 'HIGH SEVERITY: ' : ''}License ${licenseId}: overwritten item set back`,
        message: [
          `License ${licenseId} (applied status ${showValue(old.appliedStatus)}, ${drawn}) was replaced by a whole item without appliedStatus.`,
          tried.length > 0
            ? `The put also changed ${tried.join(', ')}. These changes were NOT made: make them again, one attribute at a time (or with \`clearance license\`).`
            : 'Its other fields were as committed.',
          `Rejected because ${reason}.`,
          ...(refused
            ? [
                'It had been refused as a replacement of the license before (its statusError said so, and History has that rejection): set back now, it needs no point-in-time recovery.',
              ]
            : []),
          'No shipment or counter moved. The reason is also written to statusError on the item.',
        ].join('\n'),
        subjectKey: { licenseId },
      },
    ]);
  const read = Object.fromEntries(DRAWN.map((f) => [f, raw[f] ?? null]));
  const at = deps.now().toISOString();
  // Refused before as a replacement, the put has its EDIT_REJECTED entry already: one put, one entry (I6).
  if (refused && deps.licenses.restoreRefused)
    return deps.licenses.restoreRefused(
      licenseId,
      { ...revert, attributed: { at, ...attributedOf(raw) } },
      { appliedStatus: null, ...read },
      reason,
    );
  const entry = licenseRejectionEntry(
    { ...raw, appliedStatus: old.appliedStatus },
    at,
    reason,
    deps.newToken(),
  );
  return deps.licenses.revertTerms(
    licenseId,
    revert,
    { appliedStatus: null, ...read },
    reason,
    entry,
    attributedOf(raw),
  );
}

/**
 * Whether `raw`, found applied when the put's record is judged (a record
 * redriven from the DLQ after newer ones), was applied afresh from the put
 * rather than being the license `old` set back or put back: it made a
 * decision after `old`'s last one (`lastDecision.at`), yet counts no more
 * decisions (`appliedChanges`, which every decision adds to and nothing
 * lowers) than `old` did. A license carried on from `old` counts every
 * decision since on top of `old`'s. The engine refuses such an item when
 * History holds a decision of its id (refuseReplaced), so this is the case
 * only where History did not show one.
 */
export function appliedFromPut(old: RawItem, raw: RawItem): boolean {
  const before = readLastDecision(old.lastDecision)?.at;
  const after = readLastDecision(raw.lastDecision)?.at;
  if (after === undefined || (before !== undefined && after <= before)) return false;
  return amount(raw.appliedChanges) <= amount(old.appliedChanges);
}

/**
 * Tells ops, high severity, that the put this record shows was applied as a
 * new license before its record was judged (appliedFromPut): it drew from
 * the put's `releasedQuantity` what its shipments had already drawn, and may
 * have released past its limit. Nothing is set back: shipments moved since,
 * under decisions of their own; a person judges it. A redelivery of the
 * record alerts again.
 */
async function alertAppliedFromPut(
  deps: Pick<LicenseEngineDeps, 'alerter'>,
  licenseId: string,
  old: RawItem,
  put: RawItem | undefined,
  raw: RawItem,
): Promise<void> {
  const last = readLastDecision(raw.lastDecision);
  const drawn = (item: RawItem | undefined) =>
    `releasedQuantity ${showValue(item?.releasedQuantity ?? 0)}, releasedValue ${showValue(item?.releasedValue ?? 0)}`;
  await deps.alerter.alert([
    {
      severity: 'high',
      subject: `HIGH SEVERITY: License ${licenseId}: overwritten item was applied as a new license`,
      message: [
        `License ${licenseId} (applied status ${showValue(old.appliedStatus)}, ${drawn(old)}, ${showValue(old.appliedChanges ?? 0)} decisions) was replaced by a whole item without appliedStatus, whose stream record is only judged now (redriven from the DLQ, or delivered after newer records of the license).`,
        `Meanwhile the item was applied as a new license: ${showValue(last?.eventType)} at ${showValue(last?.at)}, and it counts ${showValue(raw.appliedChanges ?? 0)} decisions, so it started again from the put's ${drawn(put)}. It now reads ${showValue(raw.appliedStatus)}, ${drawn(raw)}: its shipments may draw more than it allows (I2).`,
        `Nothing was set back: shipments moved since. Suspend it now if it is APPROVED (\`clearance license suspend ${licenseId} --reason "..."\`), run \`clearance reconcile\`, and put the item back as it was before the put (docs/OPERATIONS.md, "A deleted license") or settle it with compliance.`,
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
}
