/**
 * `clearance licenses --attention` (and `license list --attention`) on the
 * local stack, as the morning routine: licenses in every state that needs a
 * decision or action, made so by the system itself (releases, a rejected
 * edit, an amendment below what shipped), listed most urgent first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AttentionItem } from '../../cli/attention.js';
import { EXIT } from '../../cli/errors.js';
import type { License, Shipment } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { fromNow, givenLicense } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

const DAY = 86_400_000;

/** A license (its own sku) with a backlog of 10-unit shipments in hold order, applied by the stack. */
async function withBacklog(
  id: string,
  license: Partial<License>,
  n: number,
  shipment: Partial<Shipment> = {},
) {
  const lut = await givenLicense(s, { licenseId: id, ...license });
  const shipments = Array.from({ length: n }, (_, i) =>
    lut.shipment({ shipmentId: `${id}-S${i + 1}`, priority: i + 1, ...shipment }),
  );
  await s.putShipments(shipments);
  await local.drain();
  return shipments.map((x) => x.shipmentId);
}

beforeAll(async () => {
  await withBacklog('LIC-ATT-PENDING', { status: 'PENDING' }, 3);
  await withBacklog('LIC-ATT-DRAWN', { status: 'APPROVED', authorizedQuantity: 50 }, 9, { quantity: 5 });
  await withBacklog('LIC-ATT-FINE', { status: 'APPROVED', authorizedQuantity: 1000 }, 2);
  await withBacklog('LIC-ATT-EXPIRING', { status: 'APPROVED', validUntil: fromNow(3 * DAY + 3_600_000) }, 2);
  await withBacklog('LIC-ATT-TYPO', { status: 'APPROVED' }, 1);
  await s.setLicenseStatus('LIC-ATT-TYPO', 'PENDING');
  const shipped = await withBacklog('LIC-ATT-SHIPPED', { status: 'APPROVED', authorizedQuantity: 20 }, 2);
  for (const id of shipped) expect((await runCli(local, ['shipment', 'ship', id])).code).toBe(EXIT.ok);
  await local.drain();
  await s.edit('licenses', { licenseId: 'LIC-ATT-SHIPPED' }, 'authorizedQuantity', 10);
  await local.drain();
});

describe('clearance licenses --attention', () => {
  it('lists the licenses that need a decision or action, most urgent first, with their numbers', async () => {
    const result = await runCli(local, ['--json', 'licenses', '--attention']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const listed = result.json<{ licenses: AttentionItem[] }>().licenses;
    expect(listed.map((l) => [l.licenseId, l.reasons.map((r) => r.kind)])).toEqual([
      ['LIC-ATT-SHIPPED', ['shipped-over-limit', 'drawn']],
      ['LIC-ATT-EXPIRING', ['expiring']],
      ['LIC-ATT-TYPO', ['rejected-edit']],
      ['LIC-ATT-DRAWN', ['drawn']],
      ['LIC-ATT-PENDING', ['pending-backlog']],
    ]);
    const text = (id: string) => listed.find((l) => l.licenseId === id)?.reasons.map((r) => r.text);
    expect(text('LIC-ATT-SHIPPED')?.[0]).toBe(
      'shipped goods above a lowered limit: 20 units shipped, above authorizedQuantity 10 (escalate to compliance)',
    );
    expect(text('LIC-ATT-EXPIRING')?.[0]).toMatch(/^expires in 3 days \(.*\): 20 units released unshipped$/);
    expect(text('LIC-ATT-TYPO')?.[0]).toMatch(
      /^rejected edit, not in effect: APPROVED → PENDING is not allowed/,
    );
    expect(text('LIC-ATT-DRAWN')).toEqual(['90 % of authorizedQuantity drawn (45 of 50 units)']);
    expect(text('LIC-ATT-PENDING')).toEqual(['PENDING with 30 units held in 3 shipments: approve or deny']);
  });

  it('is also `license list --attention`, and reads as a table for people', async () => {
    const table = await runCli(local, ['license', 'list', '--attention']);
    expect(table.code).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^5 licenses need attention, most urgent first \(as of .*\):$/m);
    expect(table.stdout).toMatch(
      /^1 {2}LIC-ATT-SHIPPED +APPROVED +\S+ +shipped goods above a lowered limit/m,
    );
    expect(table.stdout).toMatch(/^5 {2}LIC-ATT-PENDING +PENDING /m);
    expect(table.stdout).not.toMatch(/LIC-ATT-FINE/);
    // --status filters on the status the system applied: the rejected typo shows PENDING, applies APPROVED.
    const only = async (status: string) =>
      (await runCli(local, ['--json', 'licenses', '--attention', '--status', status]))
        .json<{ licenses: AttentionItem[] }>()
        .licenses.map((l) => l.licenseId);
    expect(await only('PENDING')).toEqual(['LIC-ATT-PENDING']);
    expect(await only('APPROVED')).toEqual([
      'LIC-ATT-SHIPPED',
      'LIC-ATT-EXPIRING',
      'LIC-ATT-TYPO',
      'LIC-ATT-DRAWN',
    ]);
    expect(table.stdout).toMatch(/^3 {2}LIC-ATT-TYPO +PENDING \(applied APPROVED\) /m);
    const all = await runCli(local, ['--json', 'licenses']);
    expect(all.json<unknown[]>()).toHaveLength(6);
  });
});
