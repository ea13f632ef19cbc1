/**
 * SNS in the AWS model: the publisher as SnsPublisher sends (per customer
 * shard topic, PublishBatch of 10 entries), each call the caller's CPU for
 * building and signing it (`cpu.publishMs`) then `publishMs` of latency,
 * with `concurrency` calls in flight per `publish` (PUBLISH_CONCURRENCY, as
 * deployed). Messages are counted, not kept.
 */

import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../../shared/domain/ports.js';
import { customerShard } from '../../shared/domain/routing.js';
import type { SimDynamo } from './dynamo.js';

export class ModelPublisher implements Publisher {
  /** Customer messages per shipment change (dedupKey), kind `shipment`. */
  readonly customerMessages = new Map<string, number>();
  counts = { customer: 0, logistics: 0, digests: 0 };
  lastPublishedAt = 0;
  /** When each customer got its first shipment message. */
  readonly firstByCustomer = new Map<string, number>();

  constructor(
    private readonly sim: SimDynamo,
    private readonly customerShards = 1,
    private readonly concurrency = 1,
  ) {}

  async publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    const byTopic = new Map<number, OutgoingMessage[]>();
    for (const m of messages) {
      const shard =
        topic === 'customer' ? customerShard(m.attributes.customerId ?? '', this.customerShards) : 0;
      byTopic.set(shard, [...(byTopic.get(shard) ?? []), m]);
    }
    const batches: OutgoingMessage[][] = [];
    for (const group of byTopic.values())
      for (let i = 0; i < group.length; i += 10) batches.push(group.slice(i, i + 10));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] ?? [];
        await this.sim.cpu(this.sim.model.cpu.publishMs);
        await this.sim.publishBatch();
        this.delivered(topic, batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return new Set();
  }

  private delivered(topic: 'customer' | 'logistics', batch: readonly OutgoingMessage[]): void {
    this.lastPublishedAt = this.sim.clock.now();
    for (const m of batch) {
      this.counts[topic]++;
      if (m.attributes.kind !== 'shipment') this.counts.digests++;
      else if (topic === 'customer') {
        const customer = m.attributes.customerId ?? '';
        if (!this.firstByCustomer.has(customer)) this.firstByCustomer.set(customer, this.lastPublishedAt);
        const key = m.attributes.dedupKey ?? m.id;
        this.customerMessages.set(key, (this.customerMessages.get(key) ?? 0) + 1);
      }
    }
  }
}

/** Ops alerts: one Publish each, counted. */
export class ModelAlerter implements Alerter {
  readonly alerts: OpsAlert[] = [];
  constructor(private readonly sim: SimDynamo) {}

  async alert(alerts: readonly OpsAlert[]): Promise<void> {
    for (const a of alerts) {
      await this.sim.cpu(this.sim.model.cpu.publishMs);
      await this.sim.publishBatch();
      this.alerts.push(a);
    }
  }
}
