/**
 * Helpers of the History integration tests (test/integration/history-*.test.ts):
 * console edits of several attributes at once, a license's History read step
 * by step, the running balance of `drawn`, redelivery of stream records, and
 * a crash of shipment-history at its History append.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { expect } from 'vitest';
import type { GatewayCall } from '../../local/gateway/gateway.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { AdminConsole } from './release-kit.js';
import { interceptFunctionCalls, invokeWithRecords, settledLicense } from './release-kit.js';
import type { LocalStackHandle } from './stack.js';

export type Drawn = { quantity: number; value: number };
export const drawnOf = (e: RawItem): Drawn => (e.drawn as Drawn | undefined) ?? { quantity: 0, value: 0 };

/** The running balance: what every entry drew from the license, less what it returned. */
export const balance = (entries: readonly RawItem[]): Drawn =>
  entries.reduce<Drawn>(
    (b, e) => ({ quantity: b.quantity + drawnOf(e).quantity, value: b.value + drawnOf(e).value }),
    { quantity: 0, value: 0 },
  );

/** An entry as the tests compare it: shipments by name (S1…), no keys or times. */
function view(e: RawItem, names: ReadonlyMap<string, string>) {
  return {
    event: e.eventType,
    ...(e.shipmentId === undefined ? {} : { shipment: names.get(String(e.shipmentId)) ?? e.shipmentId }),
    actor: e.actor,
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.trigger === undefined ? {} : { trigger: e.trigger }),
    status: e.status,
    previousStatus: e.previousStatus,
    ...(e.holdReason ? { holdReason: e.holdReason } : {}),
    ...(e.drawn === undefined ? {} : { drawn: e.drawn }),
    ...(e.changes === undefined ? {} : { changes: e.changes }),
  };
}

/** The template's batch sizes: license-events 10, shipment-events 1000. */
const MAPPING_BATCH = { 'license-events': 10, 'shipment-events': 1000, 'shipment-history': 1000 } as const;

export function historyKit(local: LocalStackHandle, s: AdminConsole) {
  return {
    /** An admin's console edit: one UpdateItem setting every attribute of `changes`. */
    async consoleEdit(table: 'licenses' | 'shipments', key: RawItem, changes: Record<string, unknown>) {
      const names = Object.keys(changes);
      await local.ddb.send(
        new UpdateCommand({
          TableName: local.resources.tables[table].name,
          Key: key,
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, changes[n]])),
        }),
      );
    },

    /**
     * Reads a license's History step by step: each call returns every entry
     * (`all`, in entryId order) and those new since the last call (`fresh`,
     * as views: license entries first, then shipment entries by shipment and
     * time).
     */
    historyReader(licenseId: string, names: ReadonlyMap<string, string>) {
      const seen = new Set<string>();
      return async () => {
        const all = await s.history(licenseId);
        const fresh = all.filter((e) => !seen.has(String(e.entryId)));
        for (const e of fresh) seen.add(String(e.entryId));
        const key = (e: RawItem) =>
          `${e.shipmentId === undefined ? '' : view(e, names).shipment}\u0000${e.entryId}`;
        return { all, fresh: fresh.sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((e) => view(e, names)) };
      };
    },

    /** The settled license's releasedQuantity/Value and the balance of `entries` are both `expected`. */
    async expectBalance(licenseId: string, entries: readonly RawItem[], expected: Drawn) {
      const l = await settledLicense(s, licenseId);
      expect({ quantity: l.releasedQuantity, value: l.releasedValue }, 'the license').toEqual(expected);
      expect(balance(entries), 'the running balance of History').toEqual(expected);
    },

    /** Every History entry of the stack, by key. */
    async allEntries(): Promise<RawItem[]> {
      const all: RawItem[] = [];
      for await (const page of s.repos().history.scan()) all.push(...page);
      const key = (e: RawItem) => `${String(e.licenseId)}#${String(e.entryId)}`;
      return all.sort((a, b) => key(a).localeCompare(key(b)));
    },

    /** Delivers `records` to `fn` again, in the mapping's batch size; every batch must succeed. */
    async redeliver(fn: keyof typeof MAPPING_BATCH, records: readonly DynamoDBRecord[]) {
      const size = MAPPING_BATCH[fn];
      for (let i = 0; i < records.length; i += size) {
        const out = await invokeWithRecords(local, fn, records.slice(i, i + size));
        expect(out, `${fn} batch at ${i}`).toEqual({ batchItemFailures: [] });
      }
    },

    /**
     * Kills shipment-history's sandbox at its next History append (a
     * TransactWriteItems of Puts to History only), `before` the request
     * reaches DynamoDB or `after` it was applied, as a crash would. Records
     * the event types of the crashed append and how the appends after it were
     * answered. Returns the state and the interceptor's removal.
     */
    crashAtHistoryAppend(when: 'before' | 'after') {
      const fn = Object.values(local.resources.functionsByLogicalId).find((f) =>
        f.entry.endsWith('shipment-history.ts'),
      );
      const history = local.resources.tables.history.name;
      type Action = {
        Put?: { TableName?: string; Item?: { eventType?: { S?: string }; entryId?: { S?: string } } };
      };
      const actions = (call: GatewayCall) => (call.input.TransactItems ?? []) as Action[];
      const isAppend = (call: GatewayCall) =>
        call.caller.kind === 'function' &&
        call.caller.functionLogicalId === fn?.logicalId &&
        call.operation === 'TransactWriteItems' &&
        actions(call).every((a) => a.Put?.TableName === history);
      const entryIds = (call: GatewayCall) => actions(call).map((a) => String(a.Put?.Item?.entryId?.S));
      const state = {
        crashed: [] as string[],
        /** Later appends of the crashed entries (other lanes' appends of the shipment stream aside). */
        later: [] as { status: number; conditionalCheckFailed: boolean }[],
      };
      let crashedIds = new Set<string>();
      const remove = interceptFunctionCalls(local, async (call, forward) => {
        if (!isAppend(call)) return forward();
        if (state.crashed.length === 0) {
          state.crashed = actions(call).map((a) => String(a.Put?.Item?.eventType?.S));
          crashedIds = new Set(entryIds(call));
          if (when === 'after') await forward();
          local.stack.host.crash(call.caller.accessKeyId, `test: crash ${when} the History append`);
          return 'drop';
        }
        if (!entryIds(call).some((id) => crashedIds.has(id))) return forward();
        const out = await forward();
        state.later.push({
          status: out.status,
          conditionalCheckFailed: out.body.toString('utf8').includes('ConditionalCheckFailed'),
        });
        return out;
      });
      return { state, remove };
    },
  };
}
