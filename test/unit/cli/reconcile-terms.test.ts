/**
 * `clearance reconcile` and the applied terms of licenses written before the
 * seal existed (docs/system-attributes.md `appliedTerms`). The system takes
 * such an `appliedTerms` as it is, so a find and replace over the item's
 * JSON that changes a term and its plain copy alike looks settled. reconcile
 * lists the applied licenses whose unsealed terms are settled, and --fix
 * seals them (no History entry), unless their RELEASED and SHIPPED shipments
 * name another customer or sku or draw more than the terms allow: those are
 * left for a person. A damaged seal is an I5 finding.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import { EXIT } from '../../../cli/errors.js';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { report, termsSealFixes } from '../../../cli/reconcile-report.js';
import {
  damagedSealViolations,
  termsSealWrite,
  unsealedTerms,
  unsealedTermsOf,
  unsealedTermsSection,
} from '../../../cli/reconcile-terms.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { appliedTermsItem, sealTerms, termsOf } from '../../../shared/domain/terms.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense } from '../../helpers/factories.js';
import {
  givenLicense,
  type LicenseUnderTest,
  setStatus,
  settleShipments,
  settleSystem,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** An APPROVED license of CUST-A for 100 units with 30 released, its appliedTerms as the release before the seal wrote it. */
async function approvedBeforeTheSeal(w: MemoryWorld): Promise<LicenseUnderTest> {
  const lut = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
  w.console.put('shipments', lut.shipment({ quantity: 30, priority: 1 }));
  await settleShipments(w);
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleSystem(w, lut.licenseId);
  expect(w.license(lut.licenseId).releasedQuantity).toBe(30);
  const { sealed: _sealed, ...plain } = w.license(lut.licenseId).appliedTerms as Record<string, unknown>;
  w.store.seed('licenses', { ...w.license(lut.licenseId), appliedTerms: plain });
  return lut;
}

/** A find and replace over the license item's JSON (a term and its plain copy alike), as the release before the seal left it. */
function findAndReplace(w: MemoryWorld, licenseId: string, from: string, to: string): void {
  const current = w.store.get('licenses', licenseId) ?? {};
  w.store.seed('licenses', JSON.parse(JSON.stringify(current).split(from).join(to)));
}

const itemsOf = (w: MemoryWorld) => ({
  licenses: w.items('licenses'),
  shipments: w.items('shipments'),
  inventory: w.items('inventory'),
});

/** `reconcile --fix`'s write of a seal, on the memory store. */
const writeSeal = (w: MemoryWorld, fix: ReturnType<typeof unsealedTerms>[number]) => {
  const write = termsSealWrite(fix, 'cli:local:alice');
  return w.store.update('licenses', write.licenseId, { set: write.set, expect: write.expect });
};

describe('reconcile and applied terms without a sealed copy', () => {
  it('lists a settled one, and --fix seals it: no History entry, no alert, and the seal then guards it', async () => {
    const w = memoryWorld();
    const lut = await approvedBeforeTheSeal(w);
    const entries = w.entries().length;
    const alerts = w.alerter.alerts.length;
    const items = itemsOf(w);
    const plan = planReconcile(items, checkInvariants(items));
    const fixes = termsSealFixes(plan);
    expect(fixes.map((f) => f.licenseId)).toEqual([lut.licenseId]);
    expect(plan.unsealedTermsLeft).toBeUndefined();
    const counts = { licenses: items.licenses.length, shipments: 1, inventory: 2, history: undefined };
    expect(
      report(counts, plan, {
        violations: [],
        shippedOverLimit: [],
        staleHoldOrder: [],
        unsealedStamps: [],
        unsealedTerms: fixes,
      }),
    ).toContain(
      `Unsealed applied terms (upgrade): 1 license has an appliedTerms without a sealed copy: ${lut.licenseId}.`,
    );

    for (const fix of fixes) expect(writeSeal(w, fix)).toBe(true);
    await settleSystem(w, lut.licenseId);
    const terms = termsOf(lut.license);
    expect(w.license(lut.licenseId)).toMatchObject({
      appliedTerms: appliedTermsItem(lut.licenseId, terms),
      changedBy: 'cli:local:alice',
    });
    expect(w.entries().length).toBe(entries);
    expect(w.alerter.alerts.length).toBe(alerts);
    expect(unsealedTerms(w.items('licenses'), w.items('shipments'))).toEqual([]);

    // Sealed, a find and replace of the limit over the JSON is applied as the amendment it is.
    findAndReplace(w, lut.licenseId, '"authorizedQuantity":100', '"authorizedQuantity":20');
    w.console.edit('licenses', lut.licenseId, 'updatedBy', 'j.doe');
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId)).toMatchObject({ authorizedQuantity: 20, releasedQuantity: 0 });
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('leaves one unsealed whose RELEASED shipments name another customer, or draw more than its limit, and says why', async () => {
    const w = memoryWorld();
    const named = await approvedBeforeTheSeal(w);
    const lowered = await approvedBeforeTheSeal(w);
    // Typed into the terms and their copy alike before the upgrade: the system took them as settled.
    findAndReplace(w, named.licenseId, '"CUST-A"', '"CUST-B"');
    findAndReplace(w, lowered.licenseId, '"authorizedQuantity":100', '"authorizedQuantity":20');
    const found = unsealedTermsOf(w.items('licenses'), w.items('shipments'));
    expect(found.fixes).toEqual([]);
    expect(found.left.sort()).toEqual([named.licenseId, lowered.licenseId].sort());
    expect(unsealedTermsSection([], found.left).join('\n')).toMatch(
      /2 licenses left with unsealed applied terms: .*name another customer or sku, or draw more than/,
    );
  });

  it('plans no seal of an amendment still to judge, and a seal written after an edit since the scan fails', async () => {
    const w = memoryWorld();
    const lut = await approvedBeforeTheSeal(w);
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 120);
    expect(unsealedTerms(w.items('licenses'), w.items('shipments'))).toEqual([]);
    await settleSystem(w, lut.licenseId);
    // The amendment's commit sealed its terms.
    expect(w.license(lut.licenseId).appliedTerms).toEqual(
      appliedTermsItem(lut.licenseId, { ...termsOf(lut.license), authorizedQuantity: 120 }),
    );

    const other = await approvedBeforeTheSeal(w);
    const [fix] = unsealedTerms(w.items('licenses'), w.items('shipments')).filter(
      (f) => f.licenseId === other.licenseId,
    );
    expect(fix).toBeDefined();
    w.console.edit('licenses', other.licenseId, 'validUntil', '2098-01-01T00:00:00.000Z');
    expect(fix && writeSeal(w, fix)).toBe(false);
  });
});

describe('reconcile and a damaged seal of applied terms', () => {
  it('reports it as I5 with the fix, for an applied license only', async () => {
    const w = memoryWorld();
    const lut = await approvedBeforeTheSeal(w);
    const item = w.license(lut.licenseId);
    const damaged: Record<string, unknown> = {
      ...item,
      appliedTerms: {
        ...(item.appliedTerms as object),
        sealed: sealTerms('LIC-OTHER', termsOf(lut.license)),
      },
    };
    const never: Record<string, unknown> = { ...damaged, licenseId: 'LIC-NEW' };
    delete never.appliedStatus;
    expect(damagedSealViolations([damaged, never])).toEqual([
      {
        invariant: 'I5',
        key: { licenseId: lut.licenseId },
        message: expect.stringMatching(
          /^appliedTerms\.sealed, the system's sealed copy .* names license LIC-OTHER, not this one: .*A license whose applied terms' seal is damaged/,
        ),
      },
    ]);
  });
});

describe('clearance reconcile --fix and unsealed applied terms', () => {
  it('reports them as an upgrade note (exit 0), and --fix writes appliedTerms sealed, conditional on appliedTerms, appliedStatus, status and the terms as read', async () => {
    const license = aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' });
    const terms = termsOf(license);
    const tables: Record<string, RawItem[]> = {
      Licenses: [{ ...license, appliedTerms: { ...terms } }],
      Shipments: [],
      Inventory: [],
    };
    const updates: UpdateCommand['input'][] = [];
    const db = {
      async send(command: unknown) {
        if (command instanceof ScanCommand) return { Items: tables[String(command.input.TableName)] ?? [] };
        if (command instanceof UpdateCommand) {
          updates.push(command.input);
          return {};
        }
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    const identity = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';
    const { ctx, out } = stubCliContext({
      resources: stubResources(),
      clients: { db },
      identity,
      errToOut: true,
    });
    expect(await reconcile(ctx, {})).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(
      /Unsealed applied terms \(upgrade\): 1 license has an appliedTerms without a sealed copy: LIC-1\./,
    );
    expect(updates).toEqual([]);

    // The fake applies nothing: the re-check still finds it, which alone keeps the exit code at 0.
    expect(await reconcile(ctx, { fix: true, yes: true }, { sealSettleMs: 0 })).toBe(EXIT.ok);
    expect(updates).toHaveLength(1);
    const [update] = updates;
    expect(update).toMatchObject({ TableName: 'Licenses', Key: { licenseId: 'LIC-1' } });
    const names = update?.ExpressionAttributeNames ?? {};
    const values = update?.ExpressionAttributeValues ?? {};
    const placeholder = (attr: string) => Object.keys(names).find((k) => names[k] === attr);
    const valueIn = (clause: string, attr: string) => {
      const m = new RegExp(`${placeholder(attr)} = (:\\w+)`).exec(clause);
      return m?.[1] === undefined ? undefined : values[m[1]];
    };
    const condition = String(update?.ConditionExpression);
    expect(valueIn(condition, 'appliedTerms')).toEqual(terms);
    expect(valueIn(condition, 'appliedStatus')).toBe('APPROVED');
    expect(valueIn(condition, 'status')).toBe('APPROVED');
    expect(valueIn(condition, 'authorizedQuantity')).toBe(terms.authorizedQuantity);
    expect(valueIn(condition, 'customerId')).toBe(terms.customerId);
    expect(condition).toMatch(/attribute_not_exists\(#authorizedValue\)/);
    const set = String(update?.UpdateExpression);
    expect(set).toMatch(/^SET #appliedTerms = :v\d+, #changedBy = :v\d+$/);
    expect(valueIn(set, 'appliedTerms')).toEqual(appliedTermsItem('LIC-1', terms));
    expect(valueIn(set, 'changedBy')).toBe(`cli:${identity}`);
  });
});
