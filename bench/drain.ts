/**
 * Drains the bench's subscriber queues as messages arrive, so the measured
 * process does not hold 2N messages by the end (on AWS they sit in SQS, not
 * in the handlers' memory).
 *
 * fauxqs runs in the measured process (local/services.ts), and its public
 * API has no destructive in-process receive. Receiving over HTTP
 * (ReceiveMessage + DeleteMessageBatch, 10 at a time) would cost 2N/5
 * requests served on the same Node thread as the handlers: seconds of CPU at
 * N = 10,000, charged to clearance. Moving fauxqs into another process would
 * move the handlers' SNS calls onto a socket the product does not have today.
 * The cheapest honest option is to take each message at the door: the
 * drainer wraps fauxqs' `SqsQueue.prototype.enqueue`, and a message for a
 * registered queue (its SNS filter policy already matched, its messageId and
 * SentTimestamp already set) is tallied and not stored. Queues it does not
 * know are untouched.
 *
 * What a tally keeps is what the delivery check needs, no more: per queue the
 * first and last SentTimestamp and unexpected messages; per audience one byte
 * per shipment (how many times it was notified), so duplicates, scope and
 * completeness are checked as strictly as when the messages were inspected.
 */
import type { Workload } from './workload.js';

/** What fauxqs builds for one SQS message (dist/sqs/sqsTypes.d.ts), as far as the check reads it. */
interface SqsMessage {
  body: string;
  messageAttributes: Record<string, { StringValue?: string } | undefined>;
  sentTimestamp: number;
}

interface QueuePrototype {
  name: string;
  enqueue(this: QueuePrototype, msg: SqsMessage): void;
}

/** One registered queue's tally. */
export interface QueueTally {
  readonly audience: 'customer' | 'logistics';
  readonly scope: string;
  /** SHIPMENT_RELEASED messages taken from this queue. */
  released: number;
  /** Earliest and latest SentTimestamp of those, epoch ms. */
  firstSentAt: number | undefined;
  lastSentAt: number | undefined;
  /** Unexpected messages (wrong event, wrong scope, unknown or duplicate shipment), the first 20. */
  readonly problems: string[];
}

/** Per workload and audience: how many times each shipment was notified (index = shipment number − 1). */
interface WorkloadTally {
  readonly w: Workload;
  readonly prefix: string;
  readonly notified: { customer: Uint8Array; logistics: Uint8Array };
}

const queues = new Map<string, { tally: QueueTally; workload: WorkloadTally }>();
let installed: Promise<void> | undefined;

/** Wraps fauxqs' enqueue once (the module instance the stack runs: same resolved file). */
export function installDrainer(): Promise<void> {
  installed ??= (async () => {
    const url = new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs'));
    const mod = (await import(url.href)) as { SqsQueue?: { prototype: QueuePrototype } };
    const proto = mod.SqsQueue?.prototype;
    if (!proto || typeof proto.enqueue !== 'function')
      throw new Error(`fauxqs changed: no SqsQueue.prototype.enqueue in ${url.href}`);
    const original = proto.enqueue;
    proto.enqueue = function enqueue(this: QueuePrototype, msg: SqsMessage): void {
      const entry = queues.get(this.name);
      if (entry) take(entry.tally, entry.workload, msg);
      else original.call(this, msg);
    };
  })();
  return installed;
}

function take(tally: QueueTally, wt: WorkloadTally, m: SqsMessage): void {
  const attr = (k: string) => m.messageAttributes[k]?.StringValue;
  const complain = (text: string) => {
    if (tally.problems.length < 20) tally.problems.push(text);
  };
  if (attr('eventType') !== 'SHIPMENT_RELEASED' || attr('kind') !== 'shipment') {
    complain(`unexpected ${attr('kind')} ${attr('eventType')}`);
    return;
  }
  tally.released++;
  if (tally.lastSentAt === undefined || m.sentTimestamp > tally.lastSentAt)
    tally.lastSentAt = m.sentTimestamp;
  if (tally.firstSentAt === undefined || m.sentTimestamp < tally.firstSentAt)
    tally.firstSentAt = m.sentTimestamp;
  const body = JSON.parse(m.body) as { shipmentId?: string; dedupKey?: string };
  const shipmentId = body.shipmentId ?? '';
  const key = attr('dedupKey') ?? body.dedupKey ?? '';
  const index = shipmentId.startsWith(wt.prefix) ? Number(shipmentId.slice(wt.prefix.length)) - 1 : -1;
  const owner = Number.isInteger(index) ? wt.w.shipments[index] : undefined;
  if (!owner || owner.shipmentId !== shipmentId) {
    complain(`message for unknown shipment ${shipmentId}`);
    return;
  }
  if (!key.startsWith(`${shipmentId}#r`)) complain(`dedup key ${key} does not name ${shipmentId}`);
  const notified = wt.notified[tally.audience];
  const n = notified[index] ?? 0;
  if (n > 0) complain(`duplicate ${key}`);
  notified[index] = Math.min(255, n + 1);
  const scope = tally.audience === 'customer' ? owner.customerId : owner.warehouseId;
  const attrScope = tally.audience === 'customer' ? attr('customerId') : attr('warehouseId');
  if (scope !== tally.scope || attrScope !== tally.scope)
    complain(`message for ${shipmentId} (${attrScope})`);
}

/** The tallies of one workload's queues; `drain` registers each queue before it is subscribed. */
export class WorkloadDrain {
  private readonly workload: WorkloadTally;
  readonly tallies: QueueTally[] = [];

  constructor(w: Workload) {
    this.workload = {
      w,
      prefix: `SHP-${w.tag}-`,
      notified: { customer: new Uint8Array(w.n), logistics: new Uint8Array(w.n) },
    };
  }

  drain(name: string, audience: 'customer' | 'logistics', scope: string): QueueTally {
    const tally: QueueTally = {
      audience,
      scope,
      released: 0,
      firstSentAt: undefined,
      lastSentAt: undefined,
      problems: [],
    };
    queues.set(name, { tally, workload: this.workload });
    this.tallies.push(tally);
    return tally;
  }

  /** SHIPMENT_RELEASED messages taken so far (what the queues would hold). */
  depth(): number {
    let n = 0;
    for (const t of this.tallies) n += t.released;
    return n;
  }

  /** Shipments notified at least once, and more than once, per audience. */
  coverage(audience: 'customer' | 'logistics'): { distinct: number; duplicated: number } {
    let distinct = 0;
    let duplicated = 0;
    for (const v of this.workload.notified[audience]) {
      if (v > 0) distinct++;
      if (v > 1) duplicated++;
    }
    return { distinct, duplicated };
  }

  release(name: string): void {
    queues.delete(name);
  }
}
