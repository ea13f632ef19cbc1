/**
 * What decides PASS or FAIL: the invariant checker (I1-I3; I5 for a shipment
 * or a license decision dropped), every change in its customer's and
 * warehouse's queue with a body that is that change, and none in another's,
 * and each email digest its owner's, one for each decision that changed the
 * owner's shipments (I4), empty DLQs and every rejected edit in History (and
 * every rejection still on an item) alerted with its reason (I5), one
 * History entry per committed change (I6), `report usage` reconciling with
 * every license's counters, what each license released being first-fit in
 * hold order, the value limit binding, the amendment releasing more, no
 * value in a customer's or warehouse's message, the first approval doing
 * what its simulation predicted, LICENSE_DRAWDOWN exactly once per threshold
 * crossed, LICENSE_EXPIRING to ops and each warehouse concerned, and no
 * request AWS would refuse.
 */
import { toEntry } from '../../cli/history.js';
import { reconciliationLines } from '../../cli/history-views.js';
import { type UsageReport, usageReport } from '../../cli/usage-report.js';
import { shipmentOfDedupKey } from '../../shared/domain/notifications.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { unalerted } from '../../shared/domain/rejection-alerts.js';
import type { scanAndCheck } from '../../shared/engine/invariant-checker.js';
import { type Acted, type Amendment, releasedIn } from './admin.js';
import { drawdownProblems, drawdownThresholdsOf, expiryProblems, opsAlerts } from './compliance.js';
import { digestProblems } from './digests.js';
import { priorityProblems } from './priority.js';
import {
  CUSTOMERS,
  EXPIRING,
  licenseIdOf,
  num,
  type Scenario,
  VALUE_LIMITED,
  WAREHOUSES,
} from './scenario.js';
import { dlqDepth, type OpsMessage, type Queue, type Subscribers } from './subscribers.js';

/**
 * What a shipment message's body says against its dedup key and the
 * shipment that key names: the same shipment and revision (and dedup key),
 * and that shipment's customer and warehouse. A problem, or undefined.
 */
function bodyProblem(name: string, m: Queue['messages'][number], shipment: RawItem): string | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(m.body) as Record<string, unknown>;
  } catch {
    return `${name} received ${m.attributes.dedupKey} with a body that is not JSON`;
  }
  const said = `${String(body.shipmentId)}#r${String(body.revision)}`;
  if (
    said !== m.attributes.dedupKey ||
    (body.dedupKey !== undefined && body.dedupKey !== m.attributes.dedupKey)
  )
    return `${name} received ${m.attributes.dedupKey} whose body is ${said}`;
  for (const attribute of ['customerId', 'warehouseId'] as const)
    if (body[attribute] !== shipment[attribute])
      return `${name} received ${m.attributes.dedupKey} whose body names ${attribute} ${String(body[attribute])}, not ${String(shipment[attribute])}`;
  return undefined;
}

/**
 * I4: the problems found, none when it holds. Every change in its customer's
 * and its warehouse's queue; and none in another's: the shipment a message's
 * dedup key names must be the queue owner's (its own customerId and
 * warehouseId attributes are what the topic's filter routed it on), and the
 * body must be that change of that shipment.
 */
export function i4Problems(queues: readonly Queue[], shipments: readonly RawItem[]): string[] {
  const i4: string[] = [];
  const changes = (name: string) =>
    queues.find((q) => q.name === name)?.messages.filter((m) => m.attributes.kind === 'shipment') ?? [];
  const byQueue = new Map<string, Set<string | undefined>>();
  for (const name of [...CUSTOMERS, ...WAREHOUSES])
    byQueue.set(name, new Set(changes(name).map((m) => m.attributes.dedupKey)));
  for (const s of shipments) {
    for (let rev = 1; rev <= Number(s.revision ?? 0); rev++) {
      const key = `${String(s.shipmentId)}#r${rev}`;
      if (!byQueue.get(String(s.customerId))?.has(key))
        i4.push(`${key} missing for customer ${String(s.customerId)}`);
      if (!byQueue.get(String(s.warehouseId))?.has(key))
        i4.push(`${key} missing for warehouse ${String(s.warehouseId)}`);
    }
  }
  const byId = new Map(shipments.map((s) => [String(s.shipmentId), s]));
  const owners = [
    ...CUSTOMERS.map((name) => ({ name, attribute: 'customerId' as const })),
    ...WAREHOUSES.map((name) => ({ name, attribute: 'warehouseId' as const })),
  ];
  for (const { name, attribute } of owners) {
    for (const m of changes(name)) {
      const key = m.attributes.dedupKey;
      const shipment = byId.get(shipmentOfDedupKey(key) ?? '');
      if (!shipment) i4.push(`${name} received ${key}, of a shipment not in the Shipments table`);
      else if (shipment[attribute] !== name)
        i4.push(`${name} received ${key}, a change of ${String(shipment[attribute])}'s shipment`);
      else if (m.attributes[attribute] !== name)
        i4.push(`${name} received a message for ${m.attributes[attribute]}`);
      else {
        const wrong = bodyProblem(name, m, shipment);
        if (wrong !== undefined) i4.push(wrong);
      }
    }
  }
  return i4;
}

/**
 * I5: every edit still rejected on an item (statusError) reached ops as an
 * alert (not a compliance notice: no alertType) naming the item and giving
 * its reason; and every edit History shows rejected (EDIT_REJECTED), even
 * one corrected since, reached ops as an alert naming the item (a shipment's
 * entry may add to the reason what happened after it). The problems, none
 * when it holds.
 */
export function i5Problems(
  alerts: readonly OpsMessage[],
  licenses: readonly RawItem[],
  shipments: readonly RawItem[],
  history: readonly RawItem[] = [],
): string[] {
  const texts = alerts.map((a) => ({ attributes: a.attributes, text: a.message }));
  const problems = (items: readonly RawItem[], attribute: 'licenseId' | 'shipmentId') =>
    unalerted(texts, items, attribute).map(
      (item) => `${String(item[attribute])} has statusError but no alert gives its reason`,
    );
  const rejections = alerts.filter((a) => a.attributes.alertType === undefined);
  const unsent = history
    .filter((e) => e.eventType === 'EDIT_REJECTED')
    .filter((e) => {
      const attribute = e.shipmentId === undefined ? 'licenseId' : 'shipmentId';
      return !rejections.some((a) => a.attributes[attribute] === String(e[attribute]));
    })
    .map(
      (e) =>
        `${String(e.shipmentId ?? e.licenseId)}: rejected edit ${String(e.entryId)} in History, but no alert`,
    );
  return [...problems(licenses, 'licenseId'), ...problems(shipments, 'shipmentId'), ...unsent];
}

/** A value in a message: a JSON key naming one (`value`, `releasedValue`...), dollars, or the word. */
const VALUE_IN_MESSAGE = [/value\\?"\s*:/i, /\bUSD\b|\$\s?\d|\bvalue\b/i];

/** The customer and logistics messages (every queue but ops) that mention a value: the exporter's commercial data. */
export function valueLeaks(queues: readonly Queue[]): string[] {
  const leaks: string[] = [];
  for (const q of queues) {
    if (q.name === 'ops') continue;
    for (const m of q.messages)
      if (VALUE_IN_MESSAGE.some((re) => re.test(m.body)))
        leaks.push(`${q.name} received a value: ${m.body.slice(0, 120)}`);
  }
  return leaks;
}

/** The value-limited license stopped on value, not quantity: problems, none when it did. */
async function valueLimitProblems({ repos }: Scenario, shipments: readonly RawItem[]): Promise<string[]> {
  const licenseId = licenseIdOf(VALUE_LIMITED);
  const item = await repos.licenses.get(licenseId);
  const held = (reason: string) =>
    shipments.filter((s) => s.licenseId === licenseId && s.status === 'HELD' && s.holdReason === reason)
      .length;
  const problems: string[] = [];
  if (item?.authorizedValue === undefined) problems.push(`${licenseId} has no authorizedValue`);
  if (held('LICENSE_VALUE_EXHAUSTED') === 0)
    problems.push(`no shipment of ${licenseId} is LICENSE_VALUE_EXHAUSTED`);
  if (held('LICENSE_QUANTITY_EXHAUSTED') > 0)
    problems.push(`${licenseId} ran out of quantity (LICENSE_QUANTITY_EXHAUSTED), so value did not bind`);
  return problems;
}

/** The amendment was applied and released more of its license's backlog: problems, none when it did. */
async function amendmentProblems(
  { repos }: Scenario,
  shipments: readonly RawItem[],
  amendment: Amendment,
): Promise<string[]> {
  const item = await repos.licenses.get(amendment.licenseId);
  const applied = (item?.appliedTerms as Record<string, unknown> | undefined)?.[amendment.field];
  const after = releasedIn(shipments, amendment.licenseId);
  const problems: string[] = [];
  if (Number(item?.[amendment.field]) !== amendment.to || Number(applied) !== amendment.to)
    problems.push(
      `${amendment.licenseId} ${amendment.field} is ${item?.[amendment.field]}, applied ${applied}`,
    );
  if (after.shipments <= amendment.before.shipments || after.units <= amendment.before.units)
    problems.push(
      `${amendment.licenseId} released ${num(amendment.before.shipments)} shipments before the amendment and ${num(after.shipments)} after`,
    );
  return problems;
}

/** The priority, value and amendment checks, each with its problems. */
function valueLines(
  priority: readonly string[],
  limit: readonly string[],
  amended: readonly string[],
  leaks: readonly string[],
): string[] {
  const verdict = (problems: readonly string[]) =>
    problems.length === 0 ? 'holds' : `${problems.length} problem(s)`;
  return [
    `  priority order (what each license released is first-fit in hold order): ${verdict(priority)}`,
    ...priority.slice(0, 20).map((p) => `    ${p}`),
    `  value limit (${licenseIdOf(VALUE_LIMITED)} stops on value, not quantity): ${verdict(limit)}`,
    ...limit.map((p) => `    ${p}`),
    `  amendment (applied at once, released more of the backlog): ${verdict(amended)}`,
    ...amended.map((p) => `    ${p}`),
    `  no value in customers' and warehouses' messages: ${verdict(leaks)}`,
    ...leaks.slice(0, 20).map((p) => `    ${p}`),
  ];
}

/** The simulation, drawdown and expiry checks, each with its problems. */
function noticeLines(predicted: readonly string[], drawdown: readonly string[], expiry: readonly string[]) {
  const verdict = (problems: readonly string[]) =>
    problems.length === 0 ? 'PASS' : `FAIL (${problems.length} problem(s))`;
  const listed = (problems: readonly string[]) => problems.slice(0, 20).map((p) => `    ${p}`);
  return [
    `  simulation predicted the first approval (release set, hold reasons, drawdown alerts): ${verdict(predicted)}`,
    ...listed(predicted),
    `  drawdown alert sent exactly once per threshold each license crossed: ${verdict(drawdown)}`,
    ...listed(drawdown),
    `  expiry notice (${licenseIdOf(EXPIRING)}) sent to ops and to each warehouse holding RELEASED shipments: ${verdict(expiry)}`,
    ...listed(expiry),
  ];
}

type Check = Awaited<ReturnType<typeof scanAndCheck>>;
type RequestReport = ReturnType<Scenario['stack']['requests']>;
type Refusal = ReturnType<Scenario['stack']['refusals']>[number];

/** I1-I6, each with up to 20 of its problems. */
function invariantLines(
  check: Check,
  i4: readonly string[],
  dlq: number,
  i5: { alerts: number; problems: readonly string[] },
): string[] {
  const lines: string[] = ['', 'Invariants'];
  const violations = (...of: string[]) => check.violations.filter((v) => of.includes(v.invariant));
  const listed = (found: Check['violations']) =>
    found.slice(0, 20).map((v) => `    ${v.invariant} ${JSON.stringify(v.key)}: ${v.message}`);
  const i1to3 = violations('I1', 'I2', 'I3');
  const dropped = violations('I5');
  lines.push(
    `  I1-I3 (invariant checker over ${check.counts.shipments} shipments): ${i1to3.length === 0 ? 'hold' : `${i1to3.length} violation(s)`}`,
    ...listed(i1to3),
  );
  lines.push(
    `  I4 (every change in its customer's and warehouse's queue, its body that change, none in another's; every email digest its owner's, one per decision that changed the owner's shipments): ${i4.length === 0 ? 'holds' : `${i4.length} problem(s)`}`,
  );
  for (const p of i4.slice(0, 20)) lines.push(`    ${p}`);
  lines.push(
    `  I5 (DLQ depth ${dlq}; rejected edits alerted: ${i5.alerts}; rejected edits not alerted (with the reason, while on the item): ${i5.problems.length}; shipments or license decisions dropped: ${dropped.length})`,
    ...i5.problems.slice(0, 20).map((p) => `    ${p}`),
    ...listed(dropped),
  );
  const i6 = violations('I6');
  lines.push(
    `  I6 (one History entry per committed change, ${num(check.counts.history ?? 0)} entries): ${i6.length === 0 ? 'holds' : `${i6.length} violation(s)`}`,
    ...listed(i6),
  );
  return lines;
}

/**
 * What `clearance report usage` concludes over the whole of History: its
 * totals per license (the CLI's own pure functions) against each license's
 * `releasedQuantity` and `releasedValue`.
 */
function usage(licenses: RawItem[], history: readonly RawItem[]): UsageReport {
  return usageReport({ licenses, entries: history.map(toEntry), window: {} });
}

/** The usage report's verdict, as `report usage` prints it. */
function usageLines(report: UsageReport): string[] {
  const [verdict, ...differences] = reconciliationLines(report.reconciliation);
  return [
    `  usage report (\`clearance report usage\` over ${num(report.overall.rows)} draws and returns): ${verdict}`,
    ...differences.slice(0, 20).map((d) => `  ${d}`),
  ];
}

/** The requests the gateway judged against the policies, and those refused for AWS's limits. */
function enforcementLines(requests: RequestReport, limits: readonly Refusal[]): string[] {
  const lines = [
    '',
    'What AWS would enforce (the local stack runs the cdk.out bundles behind its request gateway)',
  ];
  lines.push(
    `  permissions: ${requests.judged.length} distinct requests judged against the synthesized IAM, topic, queue, key and trust policies; ${requests.denied.length} denied`,
  );
  for (const d of requests.denied.slice(0, 20)) lines.push(`    ${d.explanation}`);
  lines.push(`  limits: ${limits.length} request(s) refused`);
  for (const l of limits.slice(0, 20))
    lines.push(`    ${l.caller} ${l.service}.${l.operation}: ${l.message}`);
  return lines;
}

/** The report's last sections (invariants, what AWS would enforce), and whether everything holds. */
export async function checkLines(
  scenario: Scenario,
  subscribers: Subscribers,
  check: Check,
  shipments: readonly RawItem[],
  acted: Acted,
  history: readonly RawItem[],
): Promise<{ lines: string[]; ok: boolean }> {
  const { stack } = scenario;
  const licenses: RawItem[] = [];
  for await (const page of scenario.repos.licenses.scan()) licenses.push(...page);
  const usageOfHistory = usage(licenses, history);
  const i4 = [
    ...i4Problems(subscribers.queues, shipments),
    ...digestProblems(subscribers, shipments, history),
  ];
  const alerts = opsAlerts(subscribers);
  const i5 = i5Problems(alerts, licenses, shipments, history);
  const priority = priorityProblems(licenses, shipments, history);
  const limit = await valueLimitProblems(scenario, shipments);
  const amended = await amendmentProblems(scenario, shipments, acted.amendment);
  const drawdown = drawdownProblems(subscribers, licenses, history, drawdownThresholdsOf(scenario));
  const expiry = expiryProblems(subscribers, shipments);
  const leaks = valueLeaks(subscribers.queues);
  const dlq = await dlqDepth(scenario);
  const requests = stack.requests();
  const limits = stack.refusals().filter((r) => r.kind === 'limit');
  const ok =
    check.violations.length === 0 &&
    i4.length === 0 &&
    dlq === 0 &&
    i5.length === 0 &&
    usageOfHistory.reconciliation.kind === 'reconciled' &&
    priority.length + limit.length + amended.length + leaks.length === 0 &&
    acted.predictionProblems.length + drawdown.length + expiry.length === 0 &&
    requests.denied.length === 0 &&
    limits.length === 0;
  return {
    lines: [
      ...invariantLines(check, i4, dlq, {
        // Compliance alerts (alertType) are not rejected edits.
        alerts: alerts.filter((m) => m.attributes.alertType === undefined).length,
        problems: i5,
      }),
      ...usageLines(usageOfHistory),
      ...valueLines(priority, limit, amended, leaks),
      ...noticeLines(acted.predictionProblems, drawdown, expiry),
      ...enforcementLines(requests, limits),
    ],
    ok,
  };
}
