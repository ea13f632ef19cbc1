import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../../../shared/domain/ports.js';
import type { MemoryStore } from './store.js';

/** Alerter that keeps every alert it was given; a failure armed on `alerter.alert` throws, as SnsAlerter does. */
export class RecordingAlerter implements Alerter {
  readonly alerts: OpsAlert[] = [];

  constructor(private readonly store: MemoryStore) {}

  async alert(alerts: readonly OpsAlert[]): Promise<void> {
    await this.store.enter('alerter.alert', [alerts]);
    this.alerts.push(...structuredClone(alerts));
  }

  /**
   * Alerts about one item (`subjectKey` names it). Compliance alerts (with an
   * `alertType`: LICENSE_DRAWDOWN, LICENSE_EXPIRING) are left out: `compliance` has them.
   */
  about(id: string): OpsAlert[] {
    return this.alerts.filter((a) => a.alertType === undefined && Object.values(a.subjectKey).includes(id));
  }

  /** Compliance alerts about one license, of `alertType` if given. */
  compliance(licenseId: string, alertType?: string): OpsAlert[] {
    return this.alerts.filter(
      (a) =>
        a.alertType !== undefined &&
        (alertType === undefined || a.alertType === alertType) &&
        Object.values(a.subjectKey).includes(licenseId),
    );
  }
}

/** One message as a topic received it. */
export interface Published extends OutgoingMessage {
  topic: 'customer' | 'logistics';
}

/**
 * Publisher that keeps what it was asked to publish. Like PublishBatch, an
 * entry SNS would refuse (subject over 100 characters or with control
 * characters, an empty attribute value, a body over 256 KB) comes back as
 * failed rather than throwing; `failWhen` fails chosen entries the same way
 * (what still failed after SnsPublisher's retries). Ids must be unique within
 * one call (the port's contract): a duplicate throws.
 */
export class RecordingPublisher implements Publisher {
  /** Messages accepted, in order. */
  readonly published: Published[] = [];
  /** Messages reported back as failed, in order. */
  readonly failed: Published[] = [];
  private failing: (m: Published) => boolean = () => false;

  constructor(private readonly store: MemoryStore) {}

  /** From now on, reports the messages `predicate` picks as failed. */
  failWhen(predicate: (m: Published) => boolean): void {
    this.failing = predicate;
  }

  async publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    await this.store.enter('publisher.publish', [topic, messages]);
    const ids = messages.map((m) => m.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new Error(`message id ${twice} is used twice in one publish call`);
    const failed = new Set<string>();
    for (const m of messages) {
      const entry: Published = { ...structuredClone(m), topic };
      if (refusedBySns(m) || this.failing(entry)) {
        failed.add(m.id);
        this.failed.push(entry);
      } else this.published.push(entry);
    }
    return failed;
  }

  /** Accepted messages of one topic, optionally of one kind (`shipment` JSON or `digest`). */
  to(topic: 'customer' | 'logistics', kind?: 'shipment' | 'digest'): Published[] {
    return this.published.filter(
      (m) => m.topic === topic && (kind === undefined || m.attributes.kind === kind),
    );
  }
}

function refusedBySns(m: OutgoingMessage): boolean {
  if (
    m.subject !== undefined &&
    (m.subject.length === 0 || m.subject.length > 100 || /\p{Cc}/u.test(m.subject))
  )
    return true;
  if (Buffer.byteLength(m.body) > 256 * 1024) return true;
  return Object.values(m.attributes).some((v) => v.length === 0);
}
