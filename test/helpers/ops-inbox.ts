/**
 * The ops topic as admins receive it: one queue subscribed without raw
 * delivery, so each alert keeps its subject, as the ops email shows it.
 */
import { SetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { sleep } from './release-kit.js';
import type { LocalStackHandle, SubscribedQueue } from './stack.js';

/** One ops alert. */
export interface Alert {
  readonly subject: string;
  readonly body: string;
  /** String message attributes (`severity`, `licenseId` or `shipmentId`, ...). */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Alerts on the stack's ops topic, kept across calls. Call `open()` (e.g. in
 * `beforeAll`) before the alerts it should see are sent.
 */
export function opsInbox(local: LocalStackHandle) {
  let queue: SubscribedQueue | undefined;
  const received: Alert[] = [];
  const collect = async (): Promise<Alert[]> => {
    if (queue === undefined) throw new Error('opsInbox: call open() first');
    const fresh = (await queue.receiveAll()).map((m): Alert => {
      const envelope = JSON.parse(m.body) as {
        Subject?: string;
        Message: string;
        MessageAttributes?: Record<string, { Value: string }>;
      };
      return {
        subject: envelope.Subject ?? '',
        body: envelope.Message,
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
        ),
      };
    });
    received.push(...fresh);
    return fresh;
  };
  return {
    /** Subscribes the inbox to the ops topic. */
    async open(): Promise<void> {
      queue = await local.subscribeQueue(local.resources.topics.ops.arn);
      await local.sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: queue.subscriptionArn,
          AttributeName: 'RawMessageDelivery',
          AttributeValue: 'false',
        }),
      );
    },
    /** The alerts that arrived since the last call. */
    receiveAll: collect,
    /**
     * Alerts about `key` (a licenseId or shipmentId) so far, waiting briefly for `atLeast` of them.
     * Compliance alerts (with an `alertType`: LICENSE_DRAWDOWN, LICENSE_EXPIRING) are left out: `compliance` has them.
     */
    about: (key: string, atLeast = 1, timeoutMs = 5_000): Promise<Alert[]> =>
      waitFor((a) => a.attributes.alertType === undefined && isAbout(a, key), atLeast, timeoutMs),
    /** Compliance alerts about license `licenseId` (of `alertType`, if given), waiting briefly for `atLeast`. */
    compliance: (licenseId: string, alertType?: string, atLeast = 1, timeoutMs = 5_000): Promise<Alert[]> =>
      waitFor(
        (a) =>
          a.attributes.alertType !== undefined &&
          (alertType === undefined || a.attributes.alertType === alertType) &&
          isAbout(a, licenseId),
        atLeast,
        timeoutMs,
      ),
  };

  async function waitFor(pick: (a: Alert) => boolean, atLeast: number, timeoutMs: number): Promise<Alert[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await collect();
      const hits = received.filter(pick);
      if (hits.length >= atLeast || Date.now() > deadline) return hits;
      await sleep(50);
    }
  }
}

const isAbout = (a: Alert, key: string) => a.attributes.licenseId === key || a.attributes.shipmentId === key;
