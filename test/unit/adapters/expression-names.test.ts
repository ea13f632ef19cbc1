/**
 * Expression attribute names (shared/adapters/dynamo/expressions.ts): every
 * name is one top-level attribute, taken literally. The set-back of a
 * whole-item put (an import run again) writes every attribute of the item as
 * last committed, names included that the admin or an import added beside the
 * contract's (docs/data-contract.md does not forbid them): a name with a dot
 * ("customs.ref") must not become a nested path, and two names that differ
 * only in characters a placeholder cannot hold ("Ship To", "Ship-To"; 出荷日,
 * 納品日) must not share one, or DynamoDB refuses the request
 * (test/integration/overwrite-setback-names.test.ts runs it on DynamoDB Local).
 */
import { describe, expect, it } from 'vitest';
import { Expr, shipmentUpdate } from '../../../shared/adapters/dynamo/expressions.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { overwriteRejection } from '../../../shared/engine/shipment-rejections.js';
import { aShipment } from '../../helpers/factories.js';

/** The document path each `SET` clause of `update` writes, its parts resolved through ExpressionAttributeNames. */
function setTargets(update: { UpdateExpression: string; ExpressionAttributeNames: Record<string, string> }) {
  const set = /^SET (.*?)(?: REMOVE .*)?$/.exec(update.UpdateExpression)?.[1] ?? '';
  return set.split(', ').map((clause) => {
    const path = clause.split(' = ')[0] ?? '';
    return path
      .split('.')
      .map((p) => update.ExpressionAttributeNames[p])
      .join(' › ');
  });
}

/** A RELEASED shipment as last committed, with `extra` attributes beside the contract's, and the same item put whole again. */
function overwritten(extra: Record<string, string>) {
  const committed: RawItem = {
    ...aShipment({ status: 'RELEASED' }),
    countedStatus: 'RELEASED',
    revision: 2,
    ...extra,
  };
  const put: RawItem = { ...committed };
  delete put.countedStatus;
  delete put.revision;
  const rejection = overwriteRejection(String(committed.shipmentId), put, committed);
  if (!rejection?.write) throw new Error('expected a set-back');
  return shipmentUpdate('Shipments', rejection.write);
}

describe('the set-back of an overwritten shipment names each attribute it writes back', () => {
  it('writes an attribute named with a dot ("customs.ref") as that one attribute, not a path customs › ref', () => {
    const update = overwritten({ 'customs.ref': 'CR-2026-0042' });
    expect(setTargets(update)).toContain('customs.ref');
  });

  it('writes two same-length non-ASCII attribute names (出荷日, 納品日) once each, under placeholders of their own', () => {
    const update = overwritten({ 出荷日: '2026-01-10', 納品日: '2026-01-15' });
    const targets = setTargets(update);
    expect(targets.filter((t) => t === '出荷日')).toHaveLength(1);
    expect(targets.filter((t) => t === '納品日')).toHaveLength(1);
  });
});

describe('Expr placeholders', () => {
  it('gives every name one placeholder of its own, the same each time it is named', () => {
    const x = new Expr();
    const names = [
      'Ship To',
      'Ship-To',
      'Ship_To',
      'customs.ref',
      'customs_ref',
      '_0',
      '出荷日',
      '納品日',
      '1st',
    ];
    const keys = names.map((n) => x.name(n));
    expect(new Set(keys).size).toBe(names.length);
    expect(
      names.map((n) => x.name(n)),
      'the same placeholder again',
    ).toEqual(keys);
    expect(keys.map((k) => x.names[k])).toEqual(names);
    for (const k of keys) expect(k).toMatch(/^#[A-Za-z0-9_]+$/);
  });

  it('keeps a plain name readable (#status) and numbers any other', () => {
    const x = new Expr();
    expect([x.name('status'), x.name('Ship To'), x.name('revision'), x.name('a.b')]).toEqual([
      '#status',
      '#_0',
      '#revision',
      '#_1',
    ]);
  });

  it('says a nested path only when asked: path() and conditions() within a map', () => {
    const x = new Expr();
    expect(x.path('appliedTerms', 'validFrom')).toBe('#appliedTerms.#validFrom');
    expect(x.conditions({ validFrom: '2026-01-01', authorizedValue: null }, 'appliedTerms')).toEqual([
      '#appliedTerms.#validFrom = :v0',
      '(attribute_not_exists(#appliedTerms.#authorizedValue) OR attribute_type(#appliedTerms.#authorizedValue, :v1))',
    ]);
    expect(x.conditions({ 'appliedTerms.sku': 'S' })).toEqual(['#_0 = :v2']);
    expect(x.names['#_0']).toBe('appliedTerms.sku');
  });
});
