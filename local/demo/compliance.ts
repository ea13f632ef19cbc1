/**
 * The compliance notices of the scenario: LICENSE_DRAWDOWN alerts to ops
 * (sent by the release passes at 80, 90 and 100 % of a limit) and the clock's
 * LICENSE_EXPIRING, to ops and, as a ship-before digest, to each warehouse
 * holding RELEASED shipments of the expiring license. A sample of each for
 * the report, and the checks.
 */
import type { RawItem } from '../../shared/domain/ports.js';
import { EXPIRING, licenseIdOf } from './scenario.js';
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

/** The limit an alert was judged against, as its text quotes it (units authorized, or the value cap). */
const limitIn = (message: string) =>
  /released of ([\d,]+ units) authorized/.exec(message)?.[1] ?? /of the cap (USD [\d,]+)/.exec(message)?.[1];

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

/** Each threshold of each limit announced once per approval and limit (one an amendment left the license below may come again, against the new limit): problems. */
export function drawdownProblems(subscribers: Subscribers): string[] {
  const alerts = ofType(opsAlerts(subscribers), DRAWDOWN);
  if (alerts.length === 0) return ['no LICENSE_DRAWDOWN alert was sent'];
  const seen = new Map<string, number>();
  for (const a of alerts) {
    const key = `${a.subject} (limit ${limitIn(a.message) ?? '?'})`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key}: sent ${n} times`);
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
