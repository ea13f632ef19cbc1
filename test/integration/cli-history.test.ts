/**
 * `clearance license history`, `shipment history`, `report usage` and the I6
 * part of `clearance reconcile`, run as an operator runs them against this
 * file's local stack. Licenses, shipments and History entries are seeded as
 * written (the streams are not polled, so nothing but the seed is in the
 * tables): the story of LIC-H20-0001 is an approval by alice that released
 * two shipments, an amendment by bob that released a third, a shipment
 * marked SHIPPED, and a cancellation by someone who left no updatedBy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../cli/csv.js';
import { EXIT } from '../../cli/errors.js';
import { batchPut } from '../../local/batch-put.js';
import type { HistoryEntry } from '../../shared/domain/history.js';
import type { Shipment } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ startEsm: false });
const s = adminConsole(local);

const LIC = 'LIC-H20-0001';
const BAD = 'LIC-MISMATCH';
const ALICE = { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'BIS letter 117' } as const;
const BOB = { eventType: 'LICENSE_AMENDED', actor: 'bob', reason: 'BIS amendment A-17' } as const;

const license = aLicense({ licenseId: LIC, authorizedQuantity: 100, authorizedValue: 50_000 });
const mismatch = aLicense({ licenseId: BAD });

/** A shipment as the engine leaves it: counted as its status, at `revision`. */
const shipment = (
  id: string,
  licenseId: string,
  status: Shipment['status'],
  quantity: number,
  value: number,
  revision: number,
) => ({
  ...aShipmentFor(licenseId === LIC ? license : mismatch, { shipmentId: id, status, quantity, value }),
  countedStatus: status,
  revision,
});

/** A shipment entry in the shape of shared/domain/history.ts. */
function change(
  licenseId: string,
  at: string,
  shipmentId: string,
  revision: number,
  how: Pick<HistoryEntry, 'eventType' | 'actor' | 'status'> & Partial<HistoryEntry>,
): HistoryEntry {
  return {
    licenseId,
    entryId: `${at}#${shipmentId}#r${String(revision).padStart(6, '0')}`,
    at,
    shipmentId,
    drawn: { quantity: 0, value: 0 },
    ...how,
  };
}

const sized = {
  'SHP-H1': [10, 5_000],
  'SHP-H2': [20, 10_000],
  'SHP-H3': [5, 2_500],
  'SHP-M1': [10, 0],
} as const;
type Sized = keyof typeof sized;
const held = (lic: string, at: string, id: Sized | 'SHP-GAP') =>
  change(lic, at, id, 1, {
    eventType: 'SHIPMENT_HELD',
    actor: 'erp-import',
    status: 'HELD',
    previousStatus: null,
    holdReason: 'LICENSE_PENDING',
  });
const released = (lic: string, at: string, id: Sized, trigger: HistoryEntry['trigger']) =>
  change(lic, at, id, 2, {
    eventType: 'SHIPMENT_RELEASED',
    actor: 'clearance',
    ...(trigger ? { trigger } : {}),
    status: 'RELEASED',
    previousStatus: 'HELD',
    quantity: sized[id][0],
    value: sized[id][1],
    drawn: { quantity: sized[id][0], value: sized[id][1] },
  });

const entries: HistoryEntry[] = [
  held(LIC, '2026-02-10T08:00:00.000Z', 'SHP-H1'),
  held(LIC, '2026-02-10T08:00:01.000Z', 'SHP-H2'),
  held(LIC, '2026-02-10T08:00:02.000Z', 'SHP-H3'),
  {
    licenseId: LIC,
    entryId: '2026-03-01T09:00:00.000Z#license#tok-approve',
    at: '2026-03-01T09:00:00.000Z',
    eventType: 'LICENSE_APPROVED',
    actor: 'alice',
    reason: 'BIS letter 117',
    status: 'APPROVED',
    previousStatus: 'PENDING',
  },
  released(LIC, '2026-03-01T09:00:01.000Z', 'SHP-H1', ALICE),
  released(LIC, '2026-03-01T09:00:02.000Z', 'SHP-H2', ALICE),
  {
    licenseId: LIC,
    entryId: '2026-03-15T10:00:00.000Z#license#tok-amend',
    at: '2026-03-15T10:00:00.000Z',
    eventType: 'LICENSE_AMENDED',
    actor: 'bob',
    reason: 'BIS amendment A-17',
    status: 'APPROVED',
    previousStatus: 'APPROVED',
    changes: 'authorizedQuantity 30 → 100',
  },
  released(LIC, '2026-03-15T10:00:01.000Z', 'SHP-H3', BOB),
  change(LIC, '2026-04-02T14:00:00.000Z', 'SHP-H1', 3, {
    eventType: 'SHIPMENT_SHIPPED',
    actor: 'arn:aws:sts::000000000000:assumed-role/Logistics/carol',
    reason: 'AWB 1234, "express"',
    status: 'SHIPPED',
    previousStatus: 'RELEASED',
    quantity: 10,
    value: 5_000,
  }),
  change(LIC, '2026-06-10T16:00:00.000Z', 'SHP-H3', 3, {
    eventType: 'SHIPMENT_CANCELLED',
    actor: 'unknown',
    status: 'CANCELLED',
    previousStatus: 'RELEASED',
    quantity: 5,
    value: 2_500,
    drawn: { quantity: -5, value: -2_500 },
  }),
  held(BAD, '2026-02-11T08:00:00.000Z', 'SHP-M1'),
  {
    licenseId: BAD,
    entryId: '2026-03-02T09:00:00.000Z#license#tok-m',
    at: '2026-03-02T09:00:00.000Z',
    eventType: 'LICENSE_APPROVED',
    actor: 'alice',
    status: 'APPROVED',
    previousStatus: 'PENDING',
  },
  released(BAD, '2026-03-02T09:00:01.000Z', 'SHP-M1', { ...ALICE, reason: 'BIS letter 118' }),
  // SHP-GAP is at revision 2, but its second change has no entry: an I6 violation.
  held(BAD, '2026-02-12T08:00:00.000Z', 'SHP-GAP'),
];

beforeAll(async () => {
  await s.putLicense({
    ...license,
    appliedStatus: 'APPROVED',
    releasedQuantity: 30,
    releasedValue: 15_000,
    appliedChanges: 2,
  });
  // releasedQuantity 12 where its shipments (and History) say 10.
  await s.putLicense({ ...mismatch, appliedStatus: 'APPROVED', releasedQuantity: 12, appliedChanges: 1 });
  await s.putShipments([
    shipment('SHP-H1', LIC, 'SHIPPED', 10, 5_000, 3),
    shipment('SHP-H2', LIC, 'RELEASED', 20, 10_000, 2),
    shipment('SHP-H3', LIC, 'CANCELLED', 5, 2_500, 3),
    shipment('SHP-M1', BAD, 'RELEASED', 10, 0, 2),
    { ...shipment('SHP-GAP', BAD, 'HELD', 10, 0, 2), holdReason: 'LICENSE_QUANTITY_EXHAUSTED' },
  ]);
  await s.putInventory(anInventory({ held: 10, released: 30, shipped: 10 }));
  await batchPut(
    local.ddb,
    local.resources.tables.history.name,
    entries.map((e) => ({ ...e })),
  );
});

describe('clearance license history', () => {
  it('lists every entry in time order with the running balance, who decided and why, and matches the license', async () => {
    const result = await runCli(local, ['license', 'history', LIC]);

    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.split('\n');
    const at = (stamp: string) => lines.findIndex((l) => l.startsWith(stamp));
    expect(at('2026-02-10T08:00:00.000Z')).toBeLessThan(at('2026-03-01T09:00:00.000Z'));
    expect(at('2026-03-15T10:00:01.000Z')).toBeLessThan(at('2026-06-10T16:00:00.000Z'));
    expect(result.stdout).toMatch(
      /2026-03-01T09:00:02.000Z\s+SHIPMENT_RELEASED\s+HELD → RELEASED\s+SHP-H2\s+20\s+\$10,000\s+drew 20 \/ \$10,000\s+30\s+\$15,000\s+clearance\s+after LICENSE_APPROVED by alice: BIS letter 117/,
    );
    expect(result.stdout).toMatch(
      /LICENSE_AMENDED\s+APPROVED → APPROVED\s+.*bob\s+BIS amendment A-17; authorizedQuantity 30 → 100/,
    );
    expect(result.stdout).toMatch(/after LICENSE_AMENDED by bob: BIS amendment A-17/);
    expect(result.stdout).toMatch(
      /2026-06-10T16:00:00.000Z\s+SHIPMENT_CANCELLED\s+RELEASED → CANCELLED\s+SHP-H3\s+5\s+\$2,500\s+returned 5 \/ \$2,500\s+30\s+\$15,000\s+unknown/,
    );
    expect(result.stdout.match(/names actor "unknown"/g)).toHaveLength(1);
    expect(result.stdout).toMatch(/CloudTrail audit trail records who wrote the item/);
    expect(result.stdout).toMatch(
      /Balance: 30 units \/ \$15,000 drawn \(drew 35 units \/ \$17,500, returned 5 units \/ \$2,500\)\.\nMatches the license: releasedQuantity 30, releasedValue \$15,000\./,
    );
  });

  it('gives the entries with their balance as JSON', async () => {
    const result = await runCli(local, ['--json', 'license', 'history', LIC]);
    const json = result.json<{
      entries: (HistoryEntry & { balance: unknown })[];
      check: { matches: boolean };
    }>();
    expect(json.entries).toHaveLength(10);
    expect(json.entries.at(-1)).toMatchObject({
      eventType: 'SHIPMENT_CANCELLED',
      balance: { quantity: 30, value: 15_000 },
    });
    expect(json.check.matches).toBe(true);
  });

  it('shows the difference, and exits 3, when the license says otherwise', async () => {
    const result = await runCli(local, ['license', 'history', BAD]);
    expect(result.code).toBe(EXIT.incomplete);
    expect(result.stdout).toMatch(
      /DIFFERS from the license: LIC-MISMATCH: releasedQuantity is 12 but History nets 10 units \(\+2 on the license\)/,
    );
  });
});

describe('clearance shipment history', () => {
  it("tells one shipment's story in time order from the byShipment index", async () => {
    const result = await runCli(local, ['shipment', 'history', 'SHP-H3']);
    expect(result.code).toBe(EXIT.ok);
    const events = [...result.stdout.matchAll(/^\S+\s+(SHIPMENT_\w+)/gm)].map((m) => m[1]);
    expect(events).toEqual(['SHIPMENT_HELD', 'SHIPMENT_RELEASED', 'SHIPMENT_CANCELLED']);
    expect(result.stdout).toMatch(/SHIPMENT_HELD \(LICENSE_PENDING\)\s+HELD\s+LIC-H20-0001\s+erp-import/);
    expect(result.stdout).toMatch(/returned 5 \/ \$2,500\s+unknown/);
    expect(result.stdout).toMatch(
      /Shipment SHP-H3: 3 entries; it draws 0 units \/ \$0 from its license now\./,
    );
  });

  it('names a shipment that does not exist', async () => {
    const result = await runCli(local, ['shipment', 'history', 'SHP-NOPE']);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toMatch(/no shipment SHP-NOPE in table .* and no History entries for it/);
  });
});

describe('clearance report usage', () => {
  it('reconciles one license with its releasedQuantity and releasedValue', async () => {
    const result = await runCli(local, ['report', 'usage', '--license', LIC]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(
      /LIC-H20-0001\s+2026-06-10T16:00:00.000Z\s+SHP-H3\s+SHIPMENT_CANCELLED\s+-5\s+-\$2,500\s+unknown/,
    );
    expect(result.stdout).toMatch(
      /^reconciled: 1 license, total drawn 30 units \/ USD 15,000 match releasedQuantity\/releasedValue$/m,
    );
  });

  it('lists each difference over all licenses, and exits 3', async () => {
    const result = await runCli(local, ['report', 'usage']);
    expect(result.code).toBe(EXIT.incomplete);
    expect(result.stdout).toMatch(
      /NOT reconciled: 1 of 2 licenses differ from releasedQuantity\/releasedValue \(History nets 40 units \/ USD 15,000 in all\):/,
    );
    expect(result.stdout).toMatch(
      / {2}- LIC-MISMATCH: releasedQuantity is 12 but History nets 10 units \(\+2 on the license\)/,
    );
  });

  it('writes a window as CSV that sums to its totals, with the totals and verdict on stderr', async () => {
    const result = await runCli(local, [
      'report',
      'usage',
      '--license',
      LIC,
      '--from',
      '2026-03-01',
      '--to',
      '2026-05-31',
      '--format',
      'csv',
    ]);
    expect(result.code).toBe(EXIT.ok);
    const [header, ...rows] = parseCsv(result.stdout);
    const col = (name: string) => (header ?? []).indexOf(name);
    expect(rows.map((r) => r[col('shipmentId')])).toEqual(['SHP-H1', 'SHP-H2', 'SHP-H3']);
    expect(rows.reduce((sum, r) => sum + Number(r[col('quantity')]), 0)).toBe(35);
    expect(rows.reduce((sum, r) => sum + Number(r[col('value')]), 0)).toBe(17_500);
    expect(rows[0]?.[col('reason')]).toBe('after LICENSE_APPROVED by alice: BIS letter 117');
    expect(result.stderr).toMatch(
      /Total: 3 draws and returns; drew 35 units \/ \$17,500, returned 0 units \/ \$0, net 35 units/,
    );
    expect(result.stderr).toMatch(
      /not reconciled: the window \(2026-03-01T00:00:00.000Z to 2026-06-01T00:00:00.000Z \(exclusive\)\)/,
    );
  });

  it('refuses a bad --from naming the flag and the form it wants, before reading anything', async () => {
    const result = await runCli(local, ['report', 'usage', '--from', '03/01/2026']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(
      /--from must be an ISO-8601 date \(2026-03-01\) or time with a zone .*not "03\/01\/2026"/,
    );
  });
});

describe('clearance reconcile and History', () => {
  it('reports a shipment change without its entry as I6, and says --fix cannot invent it', async () => {
    const result = await runCli(local, ['reconcile']);
    expect(result.code).toBe(EXIT.incomplete);
    expect(result.stdout).toMatch(
      /Checked 2 licenses, 5 shipments, 1 inventory item and 14 History entries\./,
    );
    expect(result.stdout).toMatch(
      /I6\s+shipmentId=SHP-GAP\s+revision 2 but 1 shipment entries in History; missing revisions 2/,
    );
    expect(result.stdout).toMatch(
      /I6 \(History\): --fix cannot repair it: entries cannot be invented after the fact/,
    );
    expect(result.stdout).toMatch(/CloudTrail audit trail/);
    expect(result.stdout).not.toMatch(/I6\s+(licenseId|shipmentId)=(LIC-H20-0001|SHP-H)/);

    const json = (await runCli(local, ['--json', 'reconcile'])).json<{
      violations: { invariant: string }[];
    }>();
    expect(json.violations.filter((v) => v.invariant === 'I6')).toEqual([
      {
        invariant: 'I6',
        key: { shipmentId: 'SHP-GAP' },
        message: expect.stringMatching(/missing revisions 2/),
      },
    ]);
  });
});

describe('decisions record who runs the CLI', () => {
  it('writes the caller as updatedBy: on the local stack, whose gateway serves no GetCallerIdentity, local:<OS user>', async () => {
    const cancel = await runCli(local, ['shipment', 'cancel', 'SHP-GAP', '--reason', 'customer withdrew'], {
      env: { USER: 'j.doe' },
    });
    expect(cancel.code).toBe(EXIT.ok);
    expect(cancel.stdout).toMatch(
      /Shipment SHP-GAP: HELD → CANCELLED \(by local:j\.doe: "customer withdrew"\)\./,
    );
    expect(await s.shipment('SHP-GAP')).toMatchObject({
      status: 'CANCELLED',
      updatedBy: 'local:j.doe',
      statusReason: 'customer withdrew',
      changedBy: 'cli:local:j.doe',
    });

    const suspend = await runCli(local, ['license', 'suspend', BAD, '--reason', 'investigation'], {
      env: { USER: 'j.doe' },
    });
    expect(suspend.code).toBe(EXIT.ok);
    expect(await s.license(BAD)).toMatchObject({
      status: 'SUSPENDED',
      statusReason: 'investigation',
      updatedBy: 'local:j.doe',
    });
  });

  it('refuses --by, naming the fix, before writing anything', async () => {
    const result = await runCli(local, ['license', 'revoke', BAD, '--reason', 'x', '--by', 'someone.else']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/--by is gone: the author recorded as updatedBy is who runs the command/);
    expect((await s.license(BAD)).status).toBe('SUSPENDED');
  });
});
