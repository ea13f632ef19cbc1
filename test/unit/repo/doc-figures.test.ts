/**
 * Figures in the docs that a file or a function of the repository produces:
 * the AWS model's results (bench/results/model-aws.json, written by
 * `npm run bench -- --model aws`, which ARCHITECTURE.md's scale plan names as
 * its source and BENCHMARKS.md quotes) and the size of a release's license
 * condition (guardedLicenseUpdate). After the model runs again, or the
 * condition changes, the docs are updated from what these tests print.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guardedLicenseUpdate } from '../../../shared/adapters/dynamo/expressions.js';
import type { License } from '../../../shared/domain/model.js';
import { approvedGuard } from '../../../shared/engine/license-work.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
/** The doc with every run of white space (line breaks included) read as one space. */
const prose = (path: string) => read(path).replace(/\s+/g, ' ');

interface Seconds {
  seconds: number;
}
interface ModelCase {
  releaseSeconds: number;
  notifySeconds: number;
  historySeconds: number;
  releasedPerSecond: number;
  firstMessage: { earliest: number; latest: number };
  transactions: { release: number; attempts: number; conflictRate: number; writerConflictRate: number };
  hotItems: { peakWcu: number; peakKey: string; notifyPath: { peakWcu: number; peakKey: string } };
  tables: { shipments: { peakWru: number }; history: { peakWru: number } };
  cpu: Record<
    'license-events' | 'shipment-events (busiest shard)' | 'shipment-history (busiest shard)',
    Seconds
  >;
  writerSlots: { committed: number; conflicted: number; failed: number; paused: number; idle: number };
  historyKeyOfLargest: { first: number; saturatedFrom: number; meanWcuBefore: number; last: number };
  bounds: Record<string, number>;
  releaseBound: string;
  historyBound: string;
  gaps: { release: number; notify: number; history: number };
}
const model = JSON.parse(read('bench/results/model-aws.json')) as {
  commit: string;
  generatedAt: string;
  cases: Record<'one license' | '50 licenses', ModelCase>;
};
const one = model.cases['one license'];
const fifty = model.cases['50 licenses'];
const commit = model.commit.slice(0, 7);

const num = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
/** Whole seconds with a thousands separator, others to a tenth. */
const secs = (n: number) => `${Number.isInteger(n) ? num(n) : f1(n)} s`;
const pct = (share: number) => `${Math.round(share * 100)} %`;
const pct1 = (share: number) => `${(share * 100).toFixed(1)} %`;

/** How the scale plan's table names a bound of bench/model-aws (its key in `bounds`). */
function boundWording(bound: string): string {
  const table = /^history table's write units \(\d+ over (\d+) WRU\/s\)$/.exec(bound);
  if (table) return `the History table's ${num(Number(table[1]))} WRU/s`;
  if (bound.startsWith('license writer')) return "the license's writer";
  if (bound.startsWith('item held back to back (inventory/')) return "the busiest Inventory item's holds";
  if (bound.startsWith('History key of the largest license')) return "the license's History key";
  throw new Error(`no wording in this test for the bound "${bound}": add one as the table words it`);
}

/** The cells after the first of the ARCHITECTURE.md table row that starts with `label`. */
function row(doc: string, label: string): string[] {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${label} |`));
  return (line ?? '')
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
}

/** The table's cells for one case, as bench/results/model-aws.json gives them. */
function cells(c: ModelCase) {
  const cpu = c.cpu;
  const key = c.historyKeyOfLargest;
  const range = (a: string, b: string) => (a === b ? `${a} s` : `${a}–${b} s`);
  const conflicts = [c.transactions.conflictRate, c.transactions.writerConflictRate];
  return {
    lastReleased: `${f1(c.releaseSeconds)} s`,
    lastMessage: `${f1(c.notifySeconds)} s`,
    lastHistoryEntry: `${num(c.historySeconds)} s`,
    releasedPerSecond: num(c.releasedPerSecond),
    firstMessage: range(f2(c.firstMessage.earliest), f2(c.firstMessage.latest)),
    conflictRate: conflicts.every((r) => r === 0) ? '0 %' : conflicts.map(pct1).join('; '),
    peakWriteUnits: `${num(c.tables.shipments.peakWru)}; ${num(c.tables.history.peakWru)}`,
    cpu: [
      cpu['license-events'],
      cpu['shipment-events (busiest shard)'],
      cpu['shipment-history (busiest shard)'],
    ]
      .map((s) => `${f1(s.seconds)} s`)
      .join('; '),
    historyKey: `${num(key.first)} / ${num(key.saturatedFrom)} / ${num(key.last)} s`,
    releaseBound: `${boundWording(c.releaseBound)}, ${secs(c.bounds[c.releaseBound] ?? Number.NaN)}; ${secs(c.gaps.release)} and ${secs(c.gaps.notify)}`,
    historyBound: `${boundWording(c.historyBound)}, ${secs(c.bounds[c.historyBound] ?? Number.NaN)}; ${secs(c.gaps.history)}`,
  };
}

describe("ARCHITECTURE.md's scale plan", () => {
  const doc = read('ARCHITECTURE.md');

  it('heads its table with the commit and date of the run in bench/results/model-aws.json', () => {
    const header = doc.split('\n').find((l) => l.startsWith('| 1,000,000 shipments (model,')) ?? '';
    expect(/\(model, ([0-9a-f]{7}), (\d{4}-\d\d-\d\d),/.exec(header)?.slice(1)).toEqual([
      commit,
      model.generatedAt.slice(0, 10),
    ]);
  });

  it("quotes the run's times, rates, write units, CPU, History key and bounds in its table", () => {
    const labels = {
      lastReleased: 'approval → last RELEASED',
      lastMessage: 'approval → last message',
      lastHistoryEntry: 'approval → last History entry',
      releasedPerSecond: 'released per second',
      firstMessage: 'first customer message, earliest–latest',
      conflictRate: "`TransactionConflict` rate (all transactions; the writer's attempts)",
      peakWriteUnits: 'peak write units a second: Shipments table (of 20,000); History table (of 4,000)',
      cpu: 'handler CPU: license-events; busiest shipment-events; busiest shipment-history',
      historyKey: "largest license's History key: first write / ≥ 90 % busy from / last write",
      releaseBound: 'largest lower bound of the release and the last message; gaps',
      historyBound: 'largest lower bound of the last History entry; gap',
    } as const;
    const quoted = Object.fromEntries(
      Object.entries(labels).map(([k, label]) => {
        const [a = '', b = ''] = row(doc, label);
        // The History key's cell may add its average before it saturates, checked below.
        return [k, k === 'historyKey' ? [a, b].map((c) => c.replace(/ \(.*\)$/, '')) : [a, b]];
      }),
    );
    const mine = cells(one);
    const theirs = cells(fifty);
    expect(quoted).toEqual(
      Object.fromEntries(
        Object.keys(labels).map((k) => [k, [mine[k as keyof typeof mine], theirs[k as keyof typeof theirs]]]),
      ),
    );
    const key = fifty.historyKeyOfLargest;
    expect(row(doc, labels.historyKey)[1]).toContain(
      `(${Math.round(key.meanWcuBefore)} WCU/s on average before ${num(key.saturatedFrom)} s)`,
    );
  });

  it("gives the run's busiest hot key and busiest key on the notify path", () => {
    const hot = row(doc, 'busiest hot key');
    const notify = row(doc, 'busiest key on the notify path (what the release writes)');
    [one, fifty].forEach((c, i) => {
      expect(c.hotItems.peakKey.startsWith('history/') && hot[i]?.startsWith('History key')).toBe(true);
      expect(hot[i]?.endsWith(`, ${num(c.hotItems.peakWcu)} WCU/s`)).toBe(true);
      expect(c.hotItems.notifyPath.peakKey.startsWith('gsi/') && notify[i]?.startsWith('a GSI key')).toBe(
        true,
      );
      expect(notify[i]?.endsWith(`, ${num(c.hotItems.notifyPath.peakWcu)} WCU/s`)).toBe(true);
    });
  });

  it("gives the run's figures in the prose around the table and in the plan", () => {
    const text = prose('ARCHITECTURE.md');
    const slots = fifty.writerSlots;
    const slotSeconds = 4 * fifty.releaseSeconds;
    const share = (s: number) => `${num(s)} (${pct(s / slotSeconds)})`;
    const t = fifty.transactions;
    const heldItem = /\(inventory\/(.+)\)$/.exec(fifty.releaseBound)?.[1];
    const historyUnits = /\((\d+) over/.exec(fifty.historyBound)?.[1];
    const lag = Math.max(...[one, fifty].map((c) => c.notifySeconds - c.releaseSeconds));
    const writer = (c: ModelCase) =>
      Object.entries(c.bounds).find(([k]) => k.startsWith('license writer'))?.[1] ?? 0;
    const gsi = `${one.hotItems.notifyPath.peakWcu} WCU/s`;
    const expected = [
      `the last message follows within ${f1(lag)} s of the last release`,
      `${num(one.transactions.release)} transactions spent ${f1(one.writerSlots.committed)} s in flight (3.8 ms of CPU to build each, then 25–40 ms), of the ${f1(one.releaseSeconds)} s; the ${f1(one.gaps.release)} s the bound leaves`,
      `\`${heldItem}\`, is held ${f1(fifty.bounds[fifty.releaseBound] ?? 0)} s, ${pct((fifty.bounds[fifty.releaseBound] ?? 0) / fifty.releaseSeconds)} of the release`,
      `Of 4 × ${f1(fifty.releaseSeconds)} = ${num(slotSeconds)} slot-seconds, ${share(slots.committed)} went to transactions that committed, ${share(slots.conflicted + slots.failed)} to attempts cancelled by \`TransactionConflict\` (${num(t.writerConflictRate * t.attempts)}, ${pct(t.writerConflictRate)} of the writer's ${num(t.attempts)} attempts), ${share(slots.paused)} to the adapter's jittered pauses after them, and ${share(slots.idle)} to no transaction`,
      `${pct((slots.conflicted + slots.failed + slots.paused) / slotSeconds)} of the slot time goes to conflicts and their pauses`,
      `The committed work alone, over four slots, is ${num(slots.committed / 4)} s; the largest license's own writer needs ${f1(writer(fifty))} s in flight; license-events' CPU is busy ${f1(fifty.cpu['license-events'].seconds)} s (${pct(fifty.cpu['license-events'].seconds / fifty.releaseSeconds)} of the release)`,
      `the model gives ${num(one.historySeconds)} s`,
      `${num(Number(historyUnits))} write units need at least ${f1(fifty.bounds[fifty.historyBound] ?? 0)} s; the last entry comes at ${num(fifty.historySeconds)} s, the largest license's key busy only from ${num(fifty.historyKeyOfLargest.saturatedFrom)} s on`,
      `at ${gsi} in the run above (${fifty.hotItems.notifyPath.peakWcu} for 50 licenses)`,
      `license's million now, at ${f1(one.notifySeconds)} s)`,
      `The license's ${num(one.transactions.release)} transactions spend ${f1(writer(one))} s in flight one at a time`,
      `busy only from ${num(fifty.historyKeyOfLargest.saturatedFrom)} s on today`,
      `${num(one.tables.shipments.peakWru)} a second at its peak for one license and ${num(fifty.tables.shipments.peakWru)} for 50`,
      `and at ${gsi} since it charges handler CPU: ${fifty.hotItems.notifyPath.peakWcu} for 50 licenses`,
      `(${f1(one.notifySeconds)} s and ${f1(fifty.notifySeconds)} s since the model charges handler CPU, within ${f1(lag)} s of the last release`,
      `the last entry of one license's million at ${num(one.historySeconds)} s, of the last of 50 licenses' at ${num(fifty.historySeconds)} s`,
    ];
    expect(expected.filter((phrase) => !text.includes(phrase))).toEqual([]);
  });
});

describe("BENCHMARKS.md's hand-written figures of the AWS model", () => {
  it('quote the run in bench/results/model-aws.json, naming its commit', () => {
    const text = prose('BENCHMARKS.md');
    const expected = [
      `**${f1(one.notifySeconds)} s** and **${f1(fifty.notifySeconds)} s** (\`npm run bench -- --model aws\`, \`bench/results/model-aws.json\`, ${commit},`,
      `released in ${f1(one.releaseSeconds)} s and ${f1(fifty.releaseSeconds)} s; History's last entry at ${num(one.historySeconds)} s and ${num(fifty.historySeconds)} s`,
      `TransactionConflict rate ${pct(one.transactions.conflictRate)} and ${pct1(fifty.transactions.conflictRate)}`,
      `the release peaks at ${num(one.tables.shipments.peakWru)} and ${num(fifty.tables.shipments.peakWru)} units a second on the Shipments table`,
      `${f1(one.writerSlots.committed)} s in flight (a lower bound; gap ${f1(one.gaps.notify)} s)`,
      `then 334 s, now ${f1(one.releaseSeconds)} s with handler CPU charged, at ${commit})`,
      `(since it charges handler CPU, ${f1(one.notifySeconds)} s and ${f1(fifty.notifySeconds)} s at ${commit})`,
      `(${f1(one.notifySeconds)} s at ${commit}, since the model charges handler CPU)`,
    ];
    expect(expected.filter((phrase) => !text.includes(phrase))).toEqual([]);
  });
});

describe("the release's license condition in the docs", () => {
  const license = {
    licenseId: 'LIC-H20-0003',
    licenseNumber: 'BIS-1',
    customerId: 'CUST-A',
    sku: 'H20',
    destinationCountry: 'CN',
    authorizedQuantity: 30_000,
    authorizedValue: 252_900_000,
    valueTolerancePercent: 10,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    status: 'APPROVED',
    appliedStatus: 'APPROVED',
  } as License;
  const update = guardedLicenseUpdate(
    'Licenses',
    approvedGuard(license, '2026-12-06T00:00:00.000Z#abcdef12'),
    {
      quantity: 100,
      value: 1_000,
    },
  );

  it('has in ARCHITECTURE.md the attribute names, values and characters guardedLicenseUpdate writes for a value-limited license', () => {
    const m =
      /\((\d+) attribute\s+names, (\d+) values and a (\d+)-character condition for a value-limited license/.exec(
        read('ARCHITECTURE.md'),
      );
    expect(m?.slice(1).map(Number)).toEqual([
      Object.keys(update.ExpressionAttributeNames).length,
      Object.keys(update.ExpressionAttributeValues ?? {}).length,
      update.ConditionExpression.length,
    ]);
  });

  it("has in docs/local-limits.md the condition's length guardedLicenseUpdate writes", () => {
    const quoted = /license update, in every release transaction, has a (\d+)-character condition/.exec(
      prose('docs/local-limits.md'),
    )?.[1];
    expect(Number(quoted)).toBe(update.ConditionExpression.length);
  });
});
