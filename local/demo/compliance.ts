/**
 * The compliance notices of the scenario: LICENSE_DRAWDOWN alerts to ops
 * (sent by the release passes at 80, 90 and 100 % of a limit) and the clock's
 * LICENSE_EXPIRING, to ops and, as a ship-before digest, to each warehouse
 * holding RELEASED shipments of the expiring license. A sample of each for
 * the report, and the checks: exactly one LICENSE_DRAWDOWN per threshold the
 * engine's rules say each license crossed, and the expiry notices.
 */
import {
  approvalRecord,
  carriedOver,
  DEFAULT_DRAWDOWN_THRESHOLDS,
  type DrawdownCrossing,
  type DrawdownDimension,
  drawdownCrossings,
  parseDrawdownThresholds,
  withAnnounced,
} from '../../shared/domain/compliance.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { ENV } from '../../shared/names.js';
import { type Phase, phasesOf } from './replay.js';
import { EXPIRING, licenseIdOf, type Scenario } from './scenario.js';
import { type OpsMessage, opsMessage, type Queue, type Subscribers } from './subscribers.js';

const DRAWDOWN = 'LICENSE_DRAWDOWN';
const EXPIRY = 'LICENSE_EXPIRING';

/** Every ops alert, read from its SNS envelope. */
export const opsAlerts = (subscribers: Subscribers): OpsMessage[] => subscribers.ops.messages.map(opsMessage);

const ofType = (alerts: readonly OpsMessage[], type: string) =>
  alerts.filter((a) => a.attributes.alertType === type);

/** A warehouse's LICENSE_EXPIRING digests about `licenseId`. */
const expiryDigestsIn = (queue: Queue | undefined, licenseId: string) =>
  (queue?.messages ?? []).filter(
    (m) => m.attributes.eventType === EXPIRY && m.body.includes(`Export license ${licenseId} `),
  );

const sample = (title: string, alert: OpsMessage | undefined, lines: number): string[] =>
  alert === undefined
    ? [`  ${title}: none`]
    : [
        `  ${title}: ${alert.subject}`,
        ...alert.message
          .split('\n')
          .slice(0, lines)
          .map((l) => `    | ${l}`),
      ];

/** The report's section: ops alerts by subject, one LICENSE_DRAWDOWN and the LICENSE_EXPIRING in full, a ship-before digest. */
export function complianceLines(subscribers: Subscribers): string[] {
  const alerts = opsAlerts(subscribers);
  const expiring = licenseIdOf(EXPIRING);
  const digest = [...subscribers.logisticsDigests.values()]
    .map((q) => ({ q, m: expiryDigestsIn(q, expiring)[0] }))
    .find((d) => d.m !== undefined);
  return [
    '',
    `Ops alerts (${alerts.length})`,
    ...alerts.map((a) => `  - [${a.attributes.alertType ?? 'rejected edit'}] ${a.subject}`),
    '',
    'Compliance notices (a sample of each)',
    ...sample(DRAWDOWN, ofType(alerts, DRAWDOWN)[0], 3),
    ...sample(
      EXPIRY,
      ofType(alerts, EXPIRY).find((a) => a.attributes.licenseId === expiring),
      6,
    ),
    ...(digest?.m === undefined
      ? [`  ship-before digest to a warehouse: none`]
      : [
          `  ship-before digest ${digest.q.name} receives (first lines):`,
          ...digest.m.body
            .split('\n')
            .slice(0, 8)
            .map((l) => `    | ${l}`),
        ]),
  ];
}

/** The thresholds the stack's license-events function is configured with (its DRAWDOWN_THRESHOLDS), else the default. */
export function drawdownThresholdsOf({ stack }: Scenario): readonly number[] {
  for (const fn of Object.values(stack.resources.functionsByLogicalId ?? {})) {
    const set = fn.environment[ENV.drawdownThresholds];
    const parsed = set === undefined ? undefined : parseDrawdownThresholds(set);
    if (parsed?.ok) return parsed.value;
  }
  return DEFAULT_DRAWDOWN_THRESHOLDS;
}

/** An alert's identity: license, limit, threshold and the limit's figure, as the engine's crossings give them. */
const crossingKey = (licenseId: string, c: Pick<DrawdownCrossing, 'dimension' | 'threshold' | 'limit'>) => {
  const limit = c.limit.toLocaleString('en-US');
  return `${licenseId}: ${c.threshold} % of its ${c.dimension} limit (${c.dimension === 'value' ? `USD ${limit}` : `${limit} units`})`;
};

/** A LICENSE_DRAWDOWN alert's identity, read from its subject and text (undefined: not one the engine words). */
function alertKey(a: OpsMessage): string | undefined {
  const [, threshold, dimension] = /: (\d+) % of its (quantity|value) limit drawn/.exec(a.subject) ?? [];
  const limit =
    dimension === 'quantity'
      ? /released of ([\d,]+) units authorized/.exec(a.message)?.[1]
      : /of the cap USD ([\d,]+)/.exec(a.message)?.[1];
  if (threshold === undefined || dimension === undefined || limit === undefined) return undefined;
  const c = { dimension: dimension as DrawdownDimension, threshold: Number(threshold) };
  return crossingKey(String(a.attributes.licenseId), { ...c, limit: Number(limit.replaceAll(',', '')) });
}

/** What the shipment changes a decision set off drew from `licenseId` (History's `drawn`). */
function drawnBy(history: readonly RawItem[], licenseId: unknown, trigger: Phase['trigger']) {
  const drawn = { quantity: 0, value: 0 };
  for (const e of history) {
    const d = e.drawn as { quantity?: number; value?: number } | undefined;
    if (e.licenseId !== licenseId || (e.trigger as { eventType?: string })?.eventType !== trigger) continue;
    drawn.quantity += d?.quantity ?? 0;
    drawn.value += d?.value ?? 0;
  }
  return drawn;
}

/**
 * The thresholds each license crossed, as the engine's rules
 * (shared/domain/compliance.ts) work them out from History: those its
 * approval's releases reached, from a fresh record; then, after an
 * amendment, those its releases reached under the amended limits that the
 * record carried over to them did not list. Licenses History does not let
 * the replay follow (local/demo/replay.ts) are left out (undefined).
 */
export function expectedDrawdowns(
  license: RawItem,
  history: readonly RawItem[],
  thresholds: readonly number[],
): string[] | undefined {
  if (!history.some((e) => e.licenseId === license.licenseId && e.eventType === 'LICENSE_APPROVED'))
    return [];
  const phases = phasesOf(license, history);
  if (phases === undefined) return undefined;
  const keys: string[] = [];
  let record = approvalRecord(phases[0]?.at.toISOString() ?? '');
  const drawn = { quantity: 0, value: 0 };
  for (const { license: limits, trigger } of phases) {
    record = carriedOver(record, limits, drawn) ?? record;
    const more = drawnBy(history, license.licenseId, trigger);
    drawn.quantity += more.quantity;
    drawn.value += more.value;
    const crossings = drawdownCrossings(limits, drawn, record, thresholds);
    keys.push(...crossings.map((c) => crossingKey(String(license.licenseId), c)));
    record = withAnnounced(record, limits, crossings);
  }
  return keys;
}

/**
 * Exactly one LICENSE_DRAWDOWN per threshold each license crossed (under
 * each limit it had: one an amendment left the license below comes again,
 * against the new limit), and none it did not cross: problems.
 */
export function drawdownProblems(
  subscribers: Subscribers,
  licenses: readonly RawItem[],
  history: readonly RawItem[],
  thresholds: readonly number[] = DEFAULT_DRAWDOWN_THRESHOLDS,
): string[] {
  const sent = new Map<string, number>();
  const problems: string[] = [];
  for (const a of ofType(opsAlerts(subscribers), DRAWDOWN)) {
    const key = alertKey(a);
    if (key === undefined) problems.push(`unreadable ${DRAWDOWN} alert: ${a.subject}`);
    else sent.set(key, (sent.get(key) ?? 0) + 1);
  }
  const judged = new Set<string>();
  for (const license of licenses) {
    const expected = expectedDrawdowns(license, history, thresholds);
    if (expected === undefined) continue;
    judged.add(String(license.licenseId));
    for (const key of expected)
      if ((sent.get(key) ?? 0) !== 1)
        problems.push(`${key}: crossed, ${DRAWDOWN} sent ${sent.get(key) ?? 0} times`);
    for (const [key, n] of sent)
      if (key.startsWith(`${String(license.licenseId)}: `) && !expected.includes(key))
        problems.push(`${key}: never crossed, ${DRAWDOWN} sent ${n} times`);
  }
  for (const [key, n] of sent)
    if (n > 1 && ![...judged].some((id) => key.startsWith(`${id}: `)))
      problems.push(`${key}: sent ${n} times`);
  return problems;
}

/**
 * The expiring license's LICENSE_EXPIRING reached ops, and its digest each
 * warehouse holding RELEASED shipments of it (and no other): problems.
 */
export function expiryProblems(subscribers: Subscribers, shipments: readonly RawItem[]): string[] {
  const licenseId = licenseIdOf(EXPIRING);
  const problems: string[] = [];
  const alerts = ofType(opsAlerts(subscribers), EXPIRY).filter((a) => a.attributes.licenseId === licenseId);
  if (alerts.length === 0) problems.push(`ops received no ${EXPIRY} for ${licenseId}`);
  const holding = new Set(
    shipments
      .filter((s) => s.licenseId === licenseId && s.status === 'RELEASED')
      .map((s) => String(s.warehouseId)),
  );
  if (holding.size === 0) problems.push(`${licenseId} has no RELEASED shipments: no warehouse to tell`);
  for (const [warehouseId, queue] of subscribers.logisticsDigests) {
    const got = expiryDigestsIn(queue, licenseId).length;
    if (holding.has(warehouseId) && got === 0)
      problems.push(`${warehouseId} holds RELEASED shipments of ${licenseId} but got no ${EXPIRY} digest`);
    if (!holding.has(warehouseId) && got > 0)
      problems.push(`${warehouseId} holds no RELEASED shipment of ${licenseId} but got a ${EXPIRY} digest`);
  }
  return problems;
}
