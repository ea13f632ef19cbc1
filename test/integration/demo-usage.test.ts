/**
 * The `npm start` scenario (local/demo/run.ts, the code local/demo.ts runs) on
 * this file's local stack, with a smaller backlog than `npm start`'s 2,000
 * shipments so it runs in well under two minutes; the story is the same
 * (a simulation of the first approval, approvals, a denial, a rejected edit,
 * the clock's expiry warning, a suspension that re-holds, the value limit
 * binding, an amendment). Then `clearance report usage --format
 * csv` is run as an auditor runs it, and its CSV, summed per license, must
 * equal every license's releasedQuantity and releasedValue.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../cli/csv.js';
import { EXIT } from '../../cli/errors.js';
import { type Played, playScenario, scenarioOn } from '../../local/demo/run.js';
import type { Scenario } from '../../local/demo/scenario.js';
import { runCli } from '../helpers/cli.js';
import { useLocalStack } from '../helpers/stack.js';

/** Enough for every license to release, run out, or be held, as in `npm start`. */
const SHIPMENTS = 400;
const SEED = 42;

// As `npm start` starts its stack: the clock's schedule fires on a timer.
const local = useLocalStack({ schedules: { speedUp: 1 } });
const story: string[] = [];
let scenario: Scenario;
let played: Played;

beforeAll(async () => {
  scenario = scenarioOn(local.stack, (line) => story.push(line));
  played = await playScenario(scenario, { shipments: SHIPMENTS, seed: SEED });
}, 240_000);

afterAll(() => {
  scenario?.ddb.destroy();
  scenario?.sns.destroy();
  scenario?.sqs.destroy();
});

const amount = () => ({ quantity: 0, value: 0 });

describe('the npm start scenario', () => {
  it('passes every check, I6 and the usage reconciliation among them', () => {
    const report = played.lines.join('\n');
    expect(played.ok, report).toBe(true);
    expect(report).toMatch(/^ {2}I6 \(one History entry per committed change, [\d,]+ entries\): holds$/m);
    expect(report).toMatch(
      /^ {2}usage report \(`clearance report usage` over [\d,]+ draws and returns\): reconciled: 6 licenses, total drawn [\d,]+ units \/ USD [\d,]+ match releasedQuantity\/releasedValue$/m,
    );
  });

  it('simulates the first approval, which then does what was predicted, and sends the compliance notices', () => {
    const report = played.lines.join('\n');
    expect(report).toMatch(
      /^Before the first approval, the admin simulated it: clearance license simulate LIC-H20-0001 --status APPROVED --limit 3$/m,
    );
    expect(report).toMatch(/^ {2}Would release: +[\d,]+ shipments/m);
    expect(report).toMatch(/^ {2}simulation predicted the first approval \(.*\): PASS$/m);
    expect(report).toMatch(
      /^ {2}LICENSE_DRAWDOWN: License LIC-H20-\d+: \d+ % of its (quantity|value) limit drawn$/m,
    );
    expect(report).toMatch(
      /^ {2}drawdown alert sent exactly once per threshold each license crossed: PASS$/m,
    );
    expect(report).toMatch(
      /^ {2}LICENSE_EXPIRING: License LIC-H20-0001 expires in 30 days or less \(until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/m,
    );
    expect(report).toMatch(/^ {2}ship-before digest WH-[A-Z]+-email receives \(first lines\):$/m);
    expect(report).toMatch(
      /^ {2}expiry notice \(LIC-H20-0001\) sent to ops and to each warehouse holding RELEASED shipments: PASS$/m,
    );
  });

  it("prints an excerpt of the amended license's History: who decided, why, what each entry drew, the running balance", () => {
    const report = played.lines.join('\n');
    expect(report).toMatch(/^History of LIC-H20-0004 \(excerpt: \d+ of its [\d,]+ entries/m);
    expect(report).toMatch(
      /LICENSE_APPROVED\s+PENDING → APPROVED\s+.*compliance@console\s+BIS license granted/,
    );
    expect(report).toMatch(
      /SHIPMENT_RELEASED\s+HELD → RELEASED\s+SHP-\d+\s+.*drew [\d,]+ \/ \$[\d,]+\s+[\d,]+\s+\$[\d,]+\s+clearance\s+after LICENSE_AMENDED by compliance@console: amendment 2 from BIS/,
    );
    expect(report).toMatch(/Matches the license: releasedQuantity [\d,]+, releasedValue \$[\d,]+\./);
    expect(report).toMatch(/^ {2}[\d,]+ entries; full story: npx clearance license history LIC-H20-0004$/m);
  });
});

describe('clearance report usage --format csv over the scenario', () => {
  it("sums, per license, to every license's releasedQuantity and releasedValue, and says so on stderr", async () => {
    const result = await runCli(local, ['report', 'usage', '--format', 'csv']);

    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toMatch(
      /^reconciled: 6 licenses, total drawn [\d,]+ units \/ USD [\d,]+ match releasedQuantity\/releasedValue$/m,
    );
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual([
      'licenseId',
      'at',
      'shipmentId',
      'eventType',
      'quantity',
      'value',
      'actor',
      'reason',
      'entryId',
    ]);
    const col = (name: string) => (header ?? []).indexOf(name);
    const sums = new Map<string, { quantity: number; value: number }>();
    for (const row of rows) {
      expect(row).toHaveLength(header?.length ?? 0);
      const id = row[col('licenseId')] ?? '';
      const sum = sums.get(id) ?? amount();
      sums.set(id, {
        quantity: sum.quantity + Number(row[col('quantity')]),
        value: sum.value + Number(row[col('value')]),
      });
    }

    const licenses =
      (await local.ddb.send(new ScanCommand({ TableName: local.resources.tables.licenses.name }))).Items ??
      [];
    expect(licenses).toHaveLength(6);
    for (const l of licenses) {
      expect(sums.get(String(l.licenseId)) ?? amount(), String(l.licenseId)).toEqual({
        quantity: Number(l.releasedQuantity ?? 0),
        value: Number(l.releasedValue ?? 0),
      });
    }
    // Not trivially zero: the approved licenses drew, and the suspension of LIC-H20-0002 returned all it drew.
    expect(sums.get('LIC-H20-0001')?.quantity).toBeGreaterThan(0);
    const suspended = rows.filter((r) => r[col('licenseId')] === 'LIC-H20-0002');
    expect(suspended.some((r) => Number(r[col('quantity')]) < 0)).toBe(true);
    expect(sums.get('LIC-H20-0002')).toEqual(amount());

    const total = [...sums.values()].reduce((a, s) => ({
      quantity: a.quantity + s.quantity,
      value: a.value + s.value,
    }));
    expect(result.stderr).toContain(
      `total drawn ${total.quantity.toLocaleString('en-US')} units / USD ${total.value.toLocaleString('en-US')} match`,
    );
  });
});
