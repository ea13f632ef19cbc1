/**
 * Handler CPU in the AWS model. Virtual time moves only when something
 * sleeps, so the CPU a Lambda function spends building, signing and parsing
 * its calls, and in the engine's own work, is charged explicitly: each
 * function instance (license-events; shipment-events and shipment-history,
 * one per shard) is one single-threaded CPU, and a charge waits for that CPU
 * to be free, then keeps it busy for its milliseconds. CPU overlaps the
 * calls in flight (a page parsed while a transaction commits) but not other
 * CPU of the same instance. Charges are made where the real code spends it
 * (ports.ts, history.ts, messaging.ts, model.ts), on the instance whose
 * invocation is running ({@link onInstance}); outside one (unit tests of the
 * DynamoDB layer) nothing is charged.
 *
 * The defaults were measured on this repository's machine (an Intel Xeon
 * core, 2026-12) by `npx tsx bench/model-aws/measure-cpu.ts`: the real
 * adapters and engine code with DynamoDB and SNS answered at once by a stub
 * HTTP handler, medians, rounded. A Lambda function of 1,024 MB (the
 * deployed size) has about 0.58 of a vCPU (one vCPU at 1,769 MB), so real
 * values are likely higher: `scale` multiplies them all
 * (`--model-cpu-scale`, e.g. 1.7).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { VirtualClock } from './clock.js';

export interface CpuModel {
  /** A release TransactWriteItems of 100 actions (DynamoShipmentRepository.commit: build, sign, send, parse); pro rata. */
  releaseTxMs: number;
  /** A History TransactWriteItems of 100 Puts (DynamoHistoryRepository); pro rata. */
  historyTxMs: number;
  /** A single PutItem or UpdateItem (build, sign, parse). */
  singleWriteMs: number;
  /** One item of a Query answer parsed (a held-index page parses its four keys' answers, up to 4 × 200 items). */
  queryItemMs: number;
  /** A page's shipments parsed and planned by the release pass (parseShipments, planRelease), per shipment. */
  planItemMs: number;
  /** One 1 MB page of sumHeld/countHeldByReason (about 1,000 small projected items) parsed. */
  sumPageMs: number;
  /** One Shipments stream record: the Lambda event's JSON parse and both images unmarshalled (shipmentRecordsOf). */
  recordMs: number;
  /** processShipmentRecords' own work per release record (classify, messages), publishing apart. */
  notifyRecordMs: number;
  /** recordShipmentHistory's own work per record (entries), the append apart. */
  historyRecordMs: number;
  /** One PublishBatch of 10 entries through SnsPublisher (build, sign, parse). */
  publishMs: number;
  /** Multiplies every figure above (1: as measured on this machine). */
  scale: number;
}

export const DEFAULT_CPU: CpuModel = {
  releaseTxMs: 3.8,
  historyTxMs: 1.6,
  singleWriteMs: 0.4,
  queryItemMs: 0.009,
  planItemMs: 0.0012,
  sumPageMs: 1.7,
  recordMs: 0.024,
  notifyRecordMs: 0.019,
  historyRecordMs: 0.0007,
  publishMs: 0.57,
  scale: 1,
};

/** One function instance's CPU: busy until `busyUntil` (virtual ms); `busyMs` in all. */
export class FunctionInstance {
  busyUntil = 0;
  busyMs = 0;
  constructor(readonly name: string) {}
}

const current = new AsyncLocalStorage<FunctionInstance>();

/** Runs `fn` (an invocation) on `instance`: the CPU charged inside it, across its awaits, is that instance's. */
export const onInstance = <T>(instance: FunctionInstance, fn: () => Promise<T>): Promise<T> =>
  current.run(instance, fn);

/** Spends `ms` (before `scale`) of the current instance's CPU: waits for it to be free, then for `ms`. */
export async function spend(clock: VirtualClock, model: CpuModel, ms: number): Promise<void> {
  const instance = current.getStore();
  const cost = ms * model.scale;
  if (instance === undefined || !(cost > 0)) return;
  const start = Math.max(clock.now(), instance.busyUntil);
  instance.busyUntil = start + cost;
  instance.busyMs += cost;
  await clock.sleep(instance.busyUntil - clock.now());
}
