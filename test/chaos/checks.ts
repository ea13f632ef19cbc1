/**
 * The invariants of docs/data-contract.md, "Invariants", checked after a chaos run on a quiescent
 * stack. Each check returns plain sentences; an empty list means it holds.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import { checkHistory } from '../../shared/domain/history-invariant.js';
import { checkInvariants, type ShippedOverLimit } from '../../shared/domain/invariants.js';
import { LicenseSchema, parseItem } from '../../shared/domain/model.js';
import { shipmentOfDedupKey } from '../../shared/domain/notifications.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { unalerted } from '../../shared/domain/rejection-alerts.js';
import { AMENDABLE_TERMS, appliedTermsOf, IDENTITY_TERMS } from '../../shared/domain/terms.js';
import type { ReceivedMessage } from '../helpers/stack.js';
import type { AmendmentLog } from './amendments.js';
import type { Tables } from './workload.js';

export interface Store {
  licenses: RawItem[];
  shipments: RawItem[];
  inventory: RawItem[];
  history: RawItem[];
}

export function repositories(db: DynamoDBDocumentClient, tables: Tables) {
  return {
    licenses: new DynamoLicenseRepository(db, tables.licenses),
    shipments: new DynamoShipmentRepository(db, tables),
    inventory: new DynamoInventoryRepository(db, tables.inventory),
    history: new DynamoHistoryRepository(db, tables.history),
  };
}

async function all(pages: AsyncIterable<RawItem[]>): Promise<RawItem[]> {
  const items: RawItem[] = [];
  for await (const page of pages) items.push(...page);
  return items;
}

export async function readStore(db: DynamoDBDocumentClient, tables: Tables): Promise<Store> {
  const repos = repositories(db, tables);
  return {
    licenses: await all(repos.licenses.scan()),
    shipments: await all(repos.shipments.scan()),
    inventory: await all(repos.inventory.scan()),
    history: await all(repos.history.scan()),
  };
}

/**
 * I1–I3 through the project's invariant checker (I2 for value too), plus "no
 * work left behind". Also returns the checker's shipped-over-limit findings,
 * which are not violations: checkAmendments judges them (the checker, given
 * History, already makes a violation of one whose limit no entry lowered).
 * `quiescentAt`: a time before the run's last clock tick started, when the
 * stack had settled (then every license with RELEASED shipments must be
 * valid at it, and every shipment counted or rejected); absent when the
 * stack did not settle.
 */
export function checkI1toI3(
  store: Store,
  quiescentAt?: Date,
): { problems: string[]; shippedOverLimit: ShippedOverLimit[] } {
  const { violations, shippedOverLimit } = checkInvariants(store, {
    entries: store.history,
    ...(quiescentAt ? { quiescentAt } : {}),
  });
  const problems = violations.map((v) => `${v.invariant} ${JSON.stringify(v.key)}: ${v.message}`);
  for (const l of store.licenses) {
    // checkInvariants skips invalid items; a system-kept counter out of range (or an invalid item
    // nobody was told about) is a broken invariant here.
    const parsed = parseItem(LicenseSchema, l);
    if (!parsed.ok && (l.statusError === undefined || parsed.problems.some((p) => /^released/.test(p))))
      problems.push(`I2 license ${String(l.licenseId)} is invalid: ${parsed.problems.join('; ')}`);
    if (l.pendingWork !== undefined)
      problems.push(`license ${String(l.licenseId)} still has pendingWork ${String(l.pendingWork)}`);
    if (l.settleCheckAt !== undefined && l.status === l.appliedStatus)
      problems.push(
        `license ${String(l.licenseId)}: the clock ran past settleCheckAt ${String(l.settleCheckAt)} but no settling pass finished`,
      );
    if (l.status !== l.appliedStatus && l.statusError === undefined)
      problems.push(
        `license ${String(l.licenseId)}: status ${String(l.status)} was neither applied (${String(l.appliedStatus)}) nor rejected`,
      );
  }
  // Given quiescentAt, the checker reports these itself (I5).
  for (const s of quiescentAt ? [] : store.shipments) {
    if (s.countedStatus === undefined && s.statusError === undefined)
      problems.push(`shipment ${String(s.shipmentId)} was neither accepted nor rejected`);
  }
  return { problems, shippedOverLimit };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Amendments, once the stack is quiet:
 * - every license's terms are the terms it applied: each amendment was
 *   applied or, if illegal, written back;
 * - each identity edit and invalid value the script made was written back
 *   and alerted;
 * - a shipped-over-limit finding only where the script lowered that limit,
 *   and each with its high-severity ops alert.
 */
export function checkAmendments(
  store: Store,
  findings: readonly ShippedOverLimit[],
  opsMessages: readonly ReceivedMessage[],
  log: AmendmentLog,
): string[] {
  const problems: string[] = [];
  const licenses = new Map(store.licenses.map((l) => [String(l.licenseId), l]));
  for (const l of store.licenses) {
    const applied = appliedTermsOf(l);
    // A status edit still rejected holds amendments back: the status check above reports it.
    if (applied === undefined || l.status !== l.appliedStatus) continue;
    for (const term of [...IDENTITY_TERMS, ...AMENDABLE_TERMS])
      if (!same(l[term], applied[term]))
        problems.push(
          `license ${String(l.licenseId)}: ${term} is ${JSON.stringify(l[term])} but the applied terms say ${JSON.stringify(applied[term])}: an amendment was neither applied nor written back`,
        );
  }
  const alerts = (licenseId: string) => opsMessages.filter((m) => m.attributes.licenseId === licenseId);
  for (const edit of log.illegal.filter((e) => e.applied)) {
    const l = licenses.get(edit.licenseId);
    const applied = l ? appliedTermsOf(l) : undefined;
    const field = edit.field as keyof NonNullable<typeof applied>;
    if (!l || !applied || !same(l[edit.field], applied[field]))
      problems.push(
        `license ${edit.licenseId}: the ${edit.kind} edit ${edit.field} → ${JSON.stringify(edit.value)} was not written back (now ${JSON.stringify(l?.[edit.field])}, applied ${JSON.stringify(applied?.[field])})`,
      );
    // One alert names every term of the edit it sets back whole ("was edited: validFrom is now …, F is now …"):
    // edits that reached the item before license-events read it are one edit to the system.
    const named = (body: string) =>
      body.split('\n').some((line) => line.includes('was edited: ') && line.includes(`${edit.field} is now`));
    if (!alerts(edit.licenseId).some((m) => named(m.body)))
      problems.push(
        `license ${edit.licenseId}: the ${edit.kind} edit of ${edit.field} was never alerted to ops`,
      );
  }
  for (const f of findings) {
    const what = `license ${f.licenseId}: ${f.shipped} ${f.limit === 'value' ? 'USD' : 'units'} shipped against ${f.authorized} authorized`;
    if (!log.lowered.get(f.licenseId)?.has(f.limit))
      problems.push(`${what}, but the script never lowered its ${f.limit} limit (I2)`);
    if (
      !alerts(f.licenseId).some(
        (m) => m.attributes.severity === 'high' && /shipped goods alone exceed/.test(m.body),
      )
    )
      problems.push(
        `${what}, and ops never got the high-severity alert (it got: ${
          alerts(f.licenseId)
            .map((m) => `${m.attributes.severity} "${m.body.split('\n')[0]?.slice(0, 120)}"`)
            .join('; ') || 'nothing'
        })`,
      );
  }
  return problems;
}

/**
 * I4: revision r of a shipment is committed change `shipmentId#r<r>`; each
 * must be in its customer's queue and in its warehouse's queue at least
 * once. No queue may hold a message for another customer or warehouse: the
 * shipment its dedup key names must be the queue owner's (not judged by the
 * message's own customerId, which the topic's filter routed it on), and no
 * message may announce a change that was never committed.
 */
export function checkI4(
  store: Store,
  customerMessages: ReadonlyMap<string, readonly ReceivedMessage[]>,
  warehouseMessages: ReadonlyMap<string, readonly ReceivedMessage[]>,
): string[] {
  const problems: string[] = [];
  const keysOf = (messages: readonly ReceivedMessage[] | undefined) =>
    new Set((messages ?? []).map((m) => m.attributes.dedupKey));
  const customerKeys = new Map([...customerMessages].map(([id, ms]) => [id, keysOf(ms)]));
  const warehouseKeys = new Map([...warehouseMessages].map(([id, ms]) => [id, keysOf(ms)]));
  const committed = new Set<string>();
  for (const s of store.shipments) {
    const revision = typeof s.revision === 'number' ? s.revision : 0;
    for (let r = 1; r <= revision; r++) {
      const key = `${String(s.shipmentId)}#r${r}`;
      committed.add(key);
      if (!customerKeys.get(String(s.customerId))?.has(key))
        problems.push(`I4: ${key} never reached customer ${String(s.customerId)}`);
      if (!warehouseKeys.get(String(s.warehouseId))?.has(key))
        problems.push(`I4: ${key} never reached warehouse ${String(s.warehouseId)}`);
    }
  }
  const shipments = new Map(store.shipments.map((s) => [String(s.shipmentId), s]));
  const scoped = (
    audience: 'customer' | 'warehouse',
    attribute: 'customerId' | 'warehouseId',
    queues: ReadonlyMap<string, readonly ReceivedMessage[]>,
  ) => {
    for (const [owner, messages] of queues) {
      for (const m of messages) {
        const body = JSON.parse(m.body) as Record<string, unknown>;
        const key = m.attributes.dedupKey;
        if (m.attributes[attribute] !== owner || body[attribute] !== owner)
          problems.push(`I4: ${audience} ${owner} received ${key} for ${String(body[attribute])}`);
        // A key of a shipment not in the table is never committed: reported below.
        const shipment = shipments.get(shipmentOfDedupKey(key) ?? '');
        if (shipment && shipment[attribute] !== owner)
          problems.push(
            `I4: ${audience} ${owner} received ${key}, a change of ${attribute} ${String(shipment[attribute])}'s shipment`,
          );
        if (m.attributes.kind !== 'shipment')
          problems.push(`I4: ${audience} ${owner} (kind=shipment) received kind=${m.attributes.kind}`);
        if (!committed.has(key ?? ''))
          problems.push(`I4: ${audience} ${owner} was told of ${key}, which was never committed`);
      }
    }
  };
  scoped('customer', 'customerId', customerMessages);
  scoped('warehouse', 'warehouseId', warehouseMessages);
  return problems;
}

/**
 * I5: nothing silently dropped. Every DLQ record names why it is there and
 * which records; every rejected edit still on an item (statusError) has an
 * ops alert (not a compliance notice) about that item that gives its reason.
 */
export function checkI5(
  store: Store,
  dlqMessages: readonly ReceivedMessage[],
  opsMessages: readonly ReceivedMessage[],
): string[] {
  const problems: string[] = [];
  for (const m of dlqMessages) {
    const payload = JSON.parse(m.body) as {
      requestContext?: { condition?: string };
      DDBStreamBatchInfo?: { startSequenceNumber?: string; batchSize?: number };
    };
    if (!payload.requestContext?.condition)
      problems.push(`I5: DLQ record without a reason (requestContext.condition): ${m.body.slice(0, 200)}`);
    if (!payload.DDBStreamBatchInfo?.startSequenceNumber)
      problems.push(`I5: DLQ record without the records it stands for: ${m.body.slice(0, 200)}`);
  }
  const alerts = opsMessages.map((m) => ({ attributes: m.attributes, text: m.body }));
  for (const l of unalerted(alerts, store.licenses, 'licenseId'))
    problems.push(
      `I5: license ${String(l.licenseId)} has statusError but ops never got an alert with its reason: ${String(l.statusError).slice(0, 200)}`,
    );
  for (const s of unalerted(alerts, store.shipments, 'shipmentId'))
    problems.push(
      `I5: shipment ${String(s.shipmentId)} has statusError but ops never got an alert with its reason: ${String(s.statusError).slice(0, 200)}`,
    );
  return problems;
}

/**
 * I6 (shared/domain/history-invariant.ts): one History entry per committed
 * license decision or amendment (`appliedChanges`) and per shipment
 * revision, none missing and none twice, entries that agree with the
 * committed statuses, and an EDIT_REJECTED entry for every edit still
 * rejected on an item (statusError).
 */
export function checkI6(store: Store): string[] {
  return checkHistory({ ...store, entries: store.history }).map(
    (v) => `I6 ${JSON.stringify(v.key)}: ${v.message}`,
  );
}

/**
 * I5 as the operator sees it: every row of `clearance --json dlq list` is an
 * on-failure record that says why it failed and which records it stands for.
 */
export function checkDlqListing(rows: unknown): string[] {
  if (!Array.isArray(rows)) return ['I5: clearance dlq list did not print a list'];
  const problems: string[] = [];
  for (const row of rows as {
    failure?: { condition?: string; why?: string; startSequenceNumber?: string };
  }[]) {
    const f = row.failure;
    if (!f?.condition || !f.why || !f.startSequenceNumber)
      problems.push(
        `I5: a DLQ record without its reason or its records: ${JSON.stringify(row).slice(0, 200)}`,
      );
  }
  return problems;
}
