/**
 * What `npm start` decides PASS on (local/demo/checks.ts checkLines), fed a
 * world the real engines made in memory (test/unit/local/demo-world.ts: the
 * demo's own seedData and the admin's acts as local/demo/admin.ts plays
 * them). The untouched world passes (the harness is sound); each world
 * changed the way a broken product would leave it FAILs, on the check that
 * covers that part of the design.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AMENDED, licenseIdOf } from '../../../local/demo/scenario.js';
import type { Queue } from '../../../local/demo/subscribers.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { byStatus, type Played, play, verdict } from './demo-world.js';

let played: Played;
beforeEach(async () => {
  played = await play();
});

describe('npm start verdict (checkLines) on a world the real engines made', () => {
  const fails = async (p: Played, check: RegExp, problem: RegExp) => {
    const v = await verdict(p);
    const text = v.lines.join('\n');
    expect(v.ok, text).toBe(false);
    expect(text).toMatch(check);
    expect(text).toMatch(problem);
  };

  it('passes the untouched world (the harness is sound)', async () => {
    const v = await verdict(played);
    expect(v.lines.join('\n')).not.toMatch(/problem|violation|FAIL/);
    expect(v.ok).toBe(true);
  });

  it('fails when a license released a lower-priority shipment while a higher-priority one that fits stays HELD as exhausted (first-fit in hold order)', async () => {
    const { w } = played;
    // LIC-H20-0004 ran out of quantity (coverage 45 %): take an exhausted HELD shipment and a RELEASED one at least as large,
    // and give the HELD one the better place in hold order, as an engine walking the index the wrong way would have left them.
    const licenseId = licenseIdOf(AMENDED);
    const held = byStatus(w, licenseId, 'HELD', 'LICENSE_QUANTITY_EXHAUSTED');
    const released = byStatus(w, licenseId, 'RELEASED');
    const pair = held
      .flatMap((h) => released.map((r) => ({ h, r })))
      .find(({ h, r }) => Number(h.quantity) <= Number(r.quantity));
    expect(pair, 'an exhausted HELD shipment no larger than a RELEASED one').toBeDefined();
    const { h, r } = pair as { h: RawItem; r: RawItem };
    w.store.seed('shipments', { ...h, priority: 1, requestedAt: '2026-01-01T00:00:00.000Z' });
    w.store.seed('shipments', { ...r, priority: 5, requestedAt: '2026-12-01T00:00:00.000Z' });

    // A correct first-fit pass reaches the higher-priority shipment first, with at least r's units left: it would be RELEASED.
    await fails(
      played,
      /priority order \(.*\): \d+ problem/,
      new RegExp(`${licenseIdOf(AMENDED)}: first-fit in hold order .*${String(h.shipmentId)}`),
    );
  });

  it('fails unless each threshold a license crossed was announced exactly once (only LIC-H20-0001 got its LICENSE_DRAWDOWN alerts)', async () => {
    const { w, subscribers } = played;
    const drawdown = (m: Queue['messages'][number]) => {
      const e = JSON.parse(m.body) as { MessageAttributes: Record<string, { Value: string }> };
      return e.MessageAttributes.alertType?.Value === 'LICENSE_DRAWDOWN'
        ? e.MessageAttributes.licenseId?.Value
        : undefined;
    };
    const others = subscribers.ops.messages.filter((m) => ![undefined, licenseIdOf(0)].includes(drawdown(m)));
    expect(others.length, 'drawdown alerts of other licenses in the real run').toBeGreaterThan(0);
    subscribers.ops.messages.splice(
      0,
      Infinity,
      ...subscribers.ops.messages.filter((m) => !others.includes(m)),
    );
    const limited = w.license(licenseIdOf(2));
    expect(Number(limited.releasedValue)).toBeGreaterThan(0.9 * Number(limited.authorizedValue));

    await fails(
      played,
      /drawdown alert sent exactly once .*: FAIL/,
      /LIC-H20-0003: 90 % of its value limit .*sent 0 times/,
    );
  });

  it("fails when CUST-ALPHA's email digest subscription also receives CUST-BRAVO's digests", async () => {
    const { w, subscribers } = played;
    const bravo = w.publisher.published.filter(
      (m) =>
        m.topic === 'customer' && m.attributes.kind === 'digest' && m.attributes.customerId === 'CUST-BRAVO',
    );
    expect(bravo.length).toBeGreaterThan(0);
    subscribers.digest.messages.push(
      ...bravo.map((m) => ({ body: m.body, attributes: { ...m.attributes } })),
    );

    // DESIGN I4: no customer ever receives another customer's notification.
    await fails(
      played,
      /I4 \(.*\): \d+ problem/,
      /CUST-ALPHA-email received a digest for customerId CUST-BRAVO/,
    );
  });

  it('fails unless each decision that changed shipments reached the customer and every warehouse concerned as an email digest', async () => {
    const { subscribers } = played;
    const emails = [subscribers.digest, ...subscribers.logisticsDigests.values()];
    const before = emails.reduce((n, q) => n + q.messages.length, 0);
    for (const q of emails)
      q.messages = q.messages.filter((m) => m.attributes.eventType === 'LICENSE_EXPIRING');
    expect(emails.reduce((n, q) => n + q.messages.length, 0)).toBeLessThan(before);

    // DESIGN §6: email subscribers get one digest for each customer / warehouse and license event.
    await fails(
      played,
      /I4 \(.*\): \d+ problem/,
      /CUST-ALPHA-email: 1 decision\(s\) of LIC-H20-0001 changed CUST-ALPHA's shipments \(SHIPMENT_RELEASED\), 0 digest/,
    );
  });

  it("fails when a message in CUST-ALPHA's queue has CUST-BRAVO's shipment as its body", async () => {
    const { w, subscribers } = played;
    const alpha = subscribers.queues.find((q) => q.name === 'CUST-ALPHA') as Queue;
    const bravoBody = w.publisher.published.find(
      (m) =>
        m.topic === 'customer' &&
        m.attributes.kind === 'shipment' &&
        m.attributes.customerId === 'CUST-BRAVO',
    )?.body;
    expect(bravoBody).toBeDefined();
    const first = alpha.messages[0] as Queue['messages'][number];
    first.body = bravoBody as string;

    await fails(played, /I4 \(.*\): \d+ problem/, /CUST-ALPHA received \S+#r1 whose body is/);
  });

  it('fails when the denial of LIC-H20-0005 was never applied: its shipments stay LICENSE_PENDING and no customer is told', async () => {
    const ignored = await play(new Set([licenseIdOf(4)]));
    const denied = ignored.w.license(licenseIdOf(4));
    expect([denied.status, denied.appliedStatus]).toEqual(['DENIED', 'PENDING']);
    expect(byStatus(ignored.w, licenseIdOf(4), 'HELD', 'LICENSE_DENIED')).toHaveLength(0);
    expect(byStatus(ignored.w, licenseIdOf(4), 'HELD', 'LICENSE_PENDING').length).toBeGreaterThan(0);

    // DESIGN §4 Denial: the held shipments get LICENSE_DENIED (I5: a decision is never silently dropped).
    await fails(
      ignored,
      /license decisions dropped: 1\)/,
      /I5 \{"licenseId":"LIC-H20-0005"\}: status DENIED was neither applied/,
    );
  });

  it("fails when ops never got the alert about LIC-H20-0006's illegal PENDING → SUSPENDED edit, corrected since (statusError cleared)", async () => {
    const { w, subscribers } = played;
    const rejected = w.alerter.alerts.filter(
      (a) => a.alertType === undefined && a.subjectKey.licenseId === licenseIdOf(5),
    );
    expect(rejected.length, 'the real run alerted the rejected edit').toBeGreaterThan(0);
    expect(w.entries().some((e) => e.licenseId === licenseIdOf(5) && e.eventType === 'EDIT_REJECTED')).toBe(
      true,
    );
    subscribers.ops.messages = subscribers.ops.messages.filter((m) => {
      const e = JSON.parse(m.body) as { MessageAttributes: Record<string, { Value: string }> };
      return !(
        e.MessageAttributes.alertType === undefined && e.MessageAttributes.licenseId?.Value === licenseIdOf(5)
      );
    });

    // DESIGN §3: a rejected status edit sends ops an alert naming the license, appliedStatus, the rejected status and the reason (I5).
    await fails(
      played,
      /rejected edits not alerted \(.*\): 1;/,
      /LIC-H20-0006: rejected edit \S+ in History, but no alert/,
    );
  });
});
