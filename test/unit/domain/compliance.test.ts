/**
 * The rules of the compliance alerts (shared/domain/compliance.ts) and their
 * settings as the stack and the functions read them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { drawdownThresholdsConfig, expiryLeadDaysConfig } from '../../../shared/config.js';
import {
  carriedOver,
  drawdownCrossings,
  dueLeads,
  judgedLeads,
  mergeExpiry,
  parseDrawdownThresholds,
  parseExpiryLeadDays,
  quietLead,
  quietLeads,
  readDrawdownRecord,
  readsAs,
  withAnnounced,
  withJudged,
  withoutUnreached,
} from '../../../shared/domain/compliance.js';
import { deadline, expiryDigests } from '../../../shared/domain/compliance-notices.js';
import { ENV } from '../../../shared/names.js';

describe('settings', () => {
  it.each([
    ['80,90,100', [80, 90, 100]],
    [' 100, 80 ,90,80', [80, 90, 100]],
    [
      [90, '50'],
      [50, 90],
    ],
    [75, [75]],
  ])('reads drawdown thresholds %j', (raw, value) => {
    expect(parseDrawdownThresholds(raw)).toEqual({ ok: true, value });
  });

  it.each(['', '80,,90', '0,50', '101', '80.5', 'eighty', '80;90', [], null, true])(
    'refuses drawdown thresholds %j with the rule and an example',
    (raw) => {
      const parsed = parseDrawdownThresholds(raw);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok)
        expect(parsed.problem).toMatch(
          /^must be whole percentages from 1 to 100, comma-separated \(e\.g\. 80,90,100\); got /,
        );
    },
  );

  it('reads lead days 1..365', () => {
    expect(parseExpiryLeadDays('30,7,1')).toEqual({ ok: true, value: [1, 7, 30] });
    expect(parseExpiryLeadDays('366')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('from 1 to 365'),
    });
  });

  describe('in the functions (read once, failing loudly)', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it('reads the variables the stack sets', () => {
      process.env[ENV.drawdownThresholds] = '80,90,100';
      process.env[ENV.expiryLeadDays] = '30,7,1';
      expect(drawdownThresholdsConfig()).toEqual([80, 90, 100]);
      expect(expiryLeadDaysConfig()).toEqual([1, 7, 30]);
    });

    it('names the variable, the rule and the fix for a bad value, and the variable when it is missing', () => {
      process.env[ENV.drawdownThresholds] = '80,ninety';
      expect(() => drawdownThresholdsConfig()).toThrow(
        'environment variable DRAWDOWN_THRESHOLDS must be whole percentages from 1 to 100, comma-separated (e.g. 80,90,100); got "80,ninety". The stack sets it from the context drawdownThresholds: deploy again with a valid one, e.g. npx cdk deploy -c drawdownThresholds=80,90,100',
      );
      delete process.env[ENV.expiryLeadDays];
      expect(() => expiryLeadDaysConfig()).toThrow('environment variable EXPIRY_LEAD_DAYS is not set');
    });
  });
});

describe('drawdown crossings', () => {
  const license = { authorizedQuantity: 200, authorizedValue: 10_000, valueTolerancePercent: 10 };
  const none = readDrawdownRecord(undefined);

  it('reaches a threshold at drawn ≥ t % of the limit: 100 % means nothing left; value against the cap', () => {
    expect(drawdownCrossings(license, { quantity: 159, value: 0 }, none, [80, 100])).toEqual([]);
    expect(drawdownCrossings(license, { quantity: 160, value: 11_000 }, none, [80, 100])).toEqual([
      { dimension: 'quantity', threshold: 80, limit: 200, drawn: 160 },
      { dimension: 'value', threshold: 80, limit: 11_000, drawn: 11_000 },
      { dimension: 'value', threshold: 100, limit: 11_000, drawn: 11_000 },
    ]);
    expect(drawdownCrossings({ authorizedQuantity: 200 }, { quantity: 0, value: 5_000 }, none, [80])).toEqual(
      [],
    );
  });

  it('leaves out what the record announced for the same limit, and not what it announced against another', () => {
    const crossed = drawdownCrossings(license, { quantity: 190, value: 0 }, none, [80, 90]);
    const rec = withAnnounced({ ...none, approval: 'A' }, license, crossed);
    expect(rec).toEqual({
      approval: 'A',
      quantityLimit: 200,
      quantity: [80, 90],
      valueLimit: 11_000,
      value: [],
    });
    expect(drawdownCrossings(license, { quantity: 200, value: 0 }, rec, [80, 90, 100])).toMatchObject([
      { threshold: 100 },
    ]);
    const raised = { ...license, authorizedQuantity: 230 };
    expect(drawdownCrossings(raised, { quantity: 190, value: 0 }, rec, [80, 90])).toMatchObject([
      { dimension: 'quantity', threshold: 80, limit: 230 },
    ]);
  });

  it('carries a record over to amended limits: what is reached under the old and the new limit stays', () => {
    const rec = { approval: 'A', quantityLimit: 200, quantity: [80, 90], valueLimit: 11_000, value: [80] };
    const q = (authorizedQuantity: number) => ({ ...license, authorizedQuantity });
    const drawn = { quantity: 190, value: 9_000 };
    // 190 of 210: 90.5 %; of 230: 82.6 %; of 190: 100 %, and 100 was not announced under 200 (95 %).
    expect(carriedOver(rec, q(210), drawn)).toEqual({ ...rec, quantityLimit: 210 });
    expect(carriedOver(rec, q(230), drawn)).toEqual({ ...rec, quantityLimit: 230, quantity: [80] });
    expect(carriedOver(rec, q(190), drawn)).toEqual({ ...rec, quantityLimit: 190 });
    expect(drawdownCrossings(q(190), drawn, carriedOver(rec, q(190), drawn) ?? rec, [80, 90, 100])).toEqual([
      { dimension: 'quantity', threshold: 100, limit: 190, drawn: 190 },
    ]);
    // Value: the cap moves with the tolerance; a limit removed drops its list.
    expect(carriedOver(rec, { ...license, valueTolerancePercent: 0 }, drawn)).toEqual({
      ...rec,
      valueLimit: 10_000,
    });
    const { valueLimit: _, ...quantityOnly } = rec;
    expect(carriedOver(rec, { authorizedQuantity: 200 }, drawn)).toEqual({ ...quantityOnly, value: [] });
    // Nothing to write: the limits as announced, or nothing announced.
    expect(carriedOver(rec, license, drawn)).toBeUndefined();
    expect(carriedOver(readDrawdownRecord(undefined), q(500), drawn)).toBeUndefined();
  });

  it('drops, after a trim, the thresholds no longer reached under the limit as it is', () => {
    const rec = { quantityLimit: 200, quantity: [80, 90, 100], valueLimit: 11_000, value: [80] };
    expect(withoutUnreached(rec, license, { quantity: 185, value: 8_000 })).toEqual({
      ...rec,
      quantity: [80, 90],
      value: [],
    });
    expect(withoutUnreached(rec, license, { quantity: 200, value: 9_000 })).toBe(rec);
  });

  it('reads a damaged record as nothing announced (the alert repeats rather than is lost)', () => {
    expect(readDrawdownRecord({ quantity: 'x', value: [80, 'y'] })).toEqual({ quantity: [], value: [80] });
    expect(readDrawdownRecord('garbage')).toEqual({ quantity: [], value: [] });
  });
});

describe('expiry leads', () => {
  const until = '2026-07-31T00:00:00.000Z';
  const at = (days: number) => new Date(Date.parse(until) - days * 86_400_000);

  it('is due from validUntil − d days until validUntil, nearest first, leaving out the judged ones', () => {
    expect(dueLeads(until, at(31), [30, 7, 1], [])).toEqual([]);
    expect(dueLeads(until, at(30), [30, 7, 1], [])).toEqual([30]);
    expect(dueLeads(until, at(6), [30, 7, 1], [])).toEqual([7, 30]);
    expect(dueLeads(until, at(6), [30, 7, 1], [30])).toEqual([7]);
    expect(dueLeads(until, at(-0.0001), [30, 7, 1], [])).toEqual([]);
  });

  it('judges leads per validUntil: a record for another one counts for nothing', () => {
    const rec = withJudged(until, [30], [7]);
    expect(rec).toEqual({ validUntil: until, leads: [30, 7] });
    expect(judgedLeads(rec, until)).toEqual([30, 7]);
    expect(judgedLeads(rec, '2026-08-31T00:00:00.000Z')).toEqual([]);
    expect(judgedLeads(undefined, until)).toEqual([]);
  });

  it('keeps the leads judged with nothing outstanding as quiet until one is announced, and re-checks only the nearest', () => {
    const quiet = withJudged(until, [], [30], { was: [], now: true });
    expect(quiet).toEqual({ validUntil: until, leads: [30], quiet: [30] });
    expect(quietLead(quiet, until, at(25), [30, 7, 1])).toBe(30);
    expect(quietLead(quiet, until, at(7), [30, 7, 1]), 'the 7-day lead is due: judged first').toBeUndefined();
    const both = withJudged(until, [30], [7], { was: [30], now: true });
    expect(both).toEqual({ validUntil: until, leads: [30, 7], quiet: [30, 7] });
    expect(quietLead(both, until, at(3), [30, 7, 1])).toBe(7);
    expect(quietLead(both, until, at(-0.0001), [30, 7, 1]), 'past validUntil').toBeUndefined();
    expect(
      quietLead(both, '2026-08-31T00:00:00.000Z', at(3), [30, 7, 1]),
      'another validUntil',
    ).toBeUndefined();
    expect(withJudged(until, [30, 7], [], { was: [30, 7], now: false }), 'announced').toEqual({
      validUntil: until,
      leads: [30, 7],
    });
    expect(
      quietLead({ validUntil: until, leads: [30, 7] }, until, at(3), [30, 7, 1]),
      'no quiet',
    ).toBeUndefined();
    expect(
      quietLead({ validUntil: until, leads: [30, 7], quiet: [30] }, until, at(3), [30, 7, 1]),
    ).toBeUndefined();
    expect(quietLeads({ validUntil: until, leads: [30], quiet: [30, 7, 'x'] }, until)).toEqual([30]);
  });

  it("merges a tick's record with the one another tick wrote meanwhile: every lead judged, quiet only those neither sent", () => {
    const sent = (...leads: number[]) => ({ validUntil: until, leads });
    const quiet = (leads: number[], q: number[]) => ({ validUntil: until, leads, quiet: q });
    expect(mergeExpiry(sent(30, 7), sent(30)), 'a stale tick takes back no lead').toEqual(sent(30, 7));
    expect(mergeExpiry(sent(7), sent(30))).toEqual(sent(30, 7));
    expect(mergeExpiry(sent(30, 7), quiet([30, 7], [30, 7])), 'sent by the other tick').toEqual(sent(30, 7));
    expect(mergeExpiry(quiet([30, 7], [30, 7]), sent(30, 7)), 'sent by this one').toEqual(sent(30, 7));
    expect(
      mergeExpiry(quiet([30, 7], [30, 7]), sent(30)),
      'the 30-day lead sent on a re-check; the 7-day one, judged quiet meanwhile, stays so',
    ).toEqual(quiet([30, 7], [7]));
    expect(mergeExpiry(quiet([30], [30]), quiet([30, 7], [30, 7]))).toEqual(quiet([30, 7], [30, 7]));
    expect(
      mergeExpiry({ validUntil: until, leads: [30] }, quiet([30, 7], [7])),
      'a record without quiet',
    ).toEqual(quiet([30, 7], [7]));
    const other = { validUntil: '2026-08-31T00:00:00.000Z', leads: [30, 7] };
    expect(mergeExpiry(other, sent(30)), 'another validUntil counts for nothing').toEqual(sent(30));
    expect(mergeExpiry('edited by hand', quiet([30], [30]))).toEqual(quiet([30], [30]));
    expect(mergeExpiry(undefined, sent(30))).toEqual(sent(30));

    expect(readsAs(sent(30, 7), sent(30, 7))).toBe(true);
    expect(readsAs({ ...sent(7, 30), by: 'hand' }, sent(30, 7)), 'order and other fields aside').toBe(true);
    expect(readsAs(sent(30), sent(30, 7))).toBe(false);
    expect(readsAs(quiet([30, 7], [7]), sent(30, 7))).toBe(false);
    expect(readsAs(other, { ...other, validUntil: until })).toBe(false);
    expect(readsAs(undefined, sent(30))).toBe(false);
  });
});

describe('LICENSE_EXPIRING digest deadline', () => {
  const license = {
    licenseId: 'LIC-1',
    customerId: 'C-1',
    sku: 'H20',
    validUntil: '2026-06-02T00:00:00.000Z',
  };
  const released = [{ shipmentId: 'S-1', customerId: 'C-1', sku: 'H20', warehouseId: 'WH-1', quantity: 5 }];

  it('names the time a license ending at midnight runs out, not the day after as "ship by" that date', () => {
    const [digest] = expiryDigests({ license, lead: 1, now: new Date('2026-06-01T00:00:00.000Z'), released });
    expect(digest?.subject).toBe(
      'Warehouse WH-1: 1 shipment under license LIC-1 must ship before 2026-06-02 00:00 UTC',
    );
  });

  it('keeps the whole deadline in a subject too long for SNS: the license id is cut instead', () => {
    const long = { ...license, licenseId: `LIC-${'7'.repeat(80)}` };
    const [digest] = expiryDigests({
      license: long,
      lead: 1,
      now: new Date('2026-06-01T00:00:00.000Z'),
      released,
    });
    expect(String(digest?.subject).length).toBeLessThanOrEqual(99);
    expect(digest?.subject).toMatch(
      /^Warehouse WH-1: 1 shipment under license LIC-7+\.\.\. must ship before 2026-06-02 00:00 UTC$/,
    );
  });

  it('gives the deadline in UTC to the minute, cut down, whatever form validUntil takes', () => {
    expect(deadline('2099-12-31T23:59:59.999Z')).toBe('2099-12-31 23:59 UTC');
    expect(deadline('2026-06-02T01:30:00+02:00')).toBe('2026-06-01 23:30 UTC');
  });
});
