import { type TallyUpdate, tallyAttrs } from '../../domain/event-tally.js';
import type { LicenseGuard, ShipmentWrite } from '../../domain/ports.js';
import { COUNTER_REVISION, SYSTEM_ACTOR } from '../../names.js';
import type { Drawdown } from './transactions.js';

/**
 * A name that may stand in a placeholder as it is (`#status`): ASCII letters,
 * digits and `_`, starting with a letter, and short enough to keep a
 * whole-item write's expression small.
 */
const READABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Builds expression attribute names and values with generated placeholders.
 * Every name is one top-level attribute, taken literally: an admin's column
 * may be called `customs.ref`, `Ship-To` or `出荷日`, and a whole-item set-back
 * writes it back. A nested path is asked for explicitly ({@link Expr.path}).
 */
export class Expr {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;
  private opaque = 0;
  private readonly keys = new Map<string, string>();
  /**
   * The placeholder of the attribute named `attr`, the same one each time:
   * `#attr` for a {@link READABLE} name, else `#_0`, `#_1`, … (never a
   * readable one, which starts with a letter), so two names never share one.
   */
  name(attr: string): string {
    let key = this.keys.get(attr);
    if (key === undefined) {
      key = READABLE.test(attr) ? `#${attr}` : `#_${this.opaque++}`;
      this.keys.set(attr, key);
      this.names[key] = attr;
    }
    return key;
  }
  /** The document path of member `parts[1]` of the map attribute `parts[0]`, and so on (`#appliedTerms.#validFrom`). */
  path(...parts: readonly string[]): string {
    return parts.map((part) => this.name(part)).join('.');
  }
  /** A fresh placeholder for the value `v`. */
  value(v: unknown): string {
    const key = `:v${this.n++}`;
    this.values[key] = v;
    return key;
  }
  /**
   * `attr = value` for each entry; null means the attribute is absent or
   * NULL. An item read through the document client shows both as null (or
   * not at all), and the console writes NULL when an admin empties a field:
   * a condition on what was read must hold for either. Each key names an
   * attribute; with `within`, a member of the map attribute `within`
   * (`appliedTerms`).
   */
  conditions(expect: Record<string, unknown>, within?: string): string[] {
    return Object.entries(expect).map(([attr, v]) => {
      const a = within === undefined ? this.name(attr) : this.path(within, attr);
      return v === null
        ? `(attribute_not_exists(${a}) OR attribute_type(${a}, ${this.value('NULL')}))`
        : `${a} = ${this.value(v)}`;
    });
  }
  /** The names and (when any) values, to spread into a command's input. */
  params() {
    return {
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/**
 * The conditional `Update` of one shipment: sets `write.set` and `changedBy`,
 * removes `write.remove`, bumps `revision` when asked, on the condition that
 * the item exists and matches `write.expect`. Used alone and in transactions.
 */
export function shipmentUpdate(table: string, write: ShipmentWrite) {
  const x = new Expr();
  const sets = Object.entries({ ...write.set, changedBy: SYSTEM_ACTOR }).map(
    ([a, v]) => `${x.name(a)} = ${x.value(v)}`,
  );
  if (write.bumpRevision) {
    sets.push(`${x.name('revision')} = if_not_exists(${x.name('revision')}, ${x.value(0)}) + ${x.value(1)}`);
    // What the History entry of this revision says about it (shipment-events writes the entry).
    sets.push(`${x.name('changedAt')} = ${x.value(new Date().toISOString())}`);
    if (write.decision) sets.push(`${x.name('decision')} = ${x.value(write.decision)}`);
  }
  const removes = (write.remove ?? []).map((a) => x.name(a));
  const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  const condition = [`attribute_exists(${x.name('shipmentId')})`, ...x.conditions(write.expect)].join(
    ' AND ',
  );
  return {
    TableName: table,
    Key: { shipmentId: write.shipmentId },
    UpdateExpression: update,
    ConditionExpression: condition,
    ...x.params(),
  };
}

/**
 * `ADD` of the non-zero counter deltas of one (sku, warehouse) and 1 to its
 * `counterRevision`, on the condition that its Inventory item exists.
 */
export function inventoryUpdate(
  table: string,
  sku: string,
  warehouseId: string,
  delta: Record<string, number>,
) {
  const x = new Expr();
  const adds = Object.entries(delta)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${x.name(k)} ${x.value(v)}`);
  adds.push(`${x.name(COUNTER_REVISION)} ${x.value(1)}`);
  return {
    TableName: table,
    Key: { sku, warehouseId },
    UpdateExpression: `ADD ${adds.join(', ')}`,
    ConditionExpression: `attribute_exists(${x.name('sku')})`,
    ...x.params(),
  };
}

/** `ADD` of a drawdown to `releasedQuantity` and `releasedValue` (value only when it moves), and 1 to `counterRevision`. */
function drawdownAdds(x: Expr, delta: Drawdown): string {
  const adds = [`${x.name('releasedQuantity')} ${x.value(delta.quantity)}`];
  if (delta.value !== 0) adds.push(`${x.name('releasedValue')} ${x.value(delta.value)}`);
  adds.push(`${x.name(COUNTER_REVISION)} ${x.value(1)}`);
  return `ADD ${adds.join(', ')} SET ${x.name('changedBy')} = ${x.value(SYSTEM_ACTOR)}`;
}

/** The drawdown of a license that exists: the manual edits' license update (no limit to guard). */
export function licenseUpdate(table: string, licenseId: string, delta: Drawdown) {
  const x = new Expr();
  return {
    TableName: table,
    Key: { licenseId },
    UpdateExpression: drawdownAdds(x, delta),
    ConditionExpression: `attribute_exists(${x.name('licenseId')})`,
    ...x.params(),
  };
}

/**
 * The drawdown of a license pass: conditional on the guard's expectations
 * (status, pending work, terms) and, when drawing, on staying within
 * `authorizedQuantity` and the value limit with its tolerance.
 */
export function guardedLicenseUpdate(table: string, guard: LicenseGuard, delta: Drawdown) {
  const x = new Expr();
  const within = (attr: string, limit: number, add: number) => {
    const a = x.name(attr);
    return `(attribute_not_exists(${a}) OR ${a} <= ${x.value(limit - add)})`;
  };
  const conditions = [...x.conditions(guard.expect)];
  if (delta.quantity > 0)
    conditions.push(within('releasedQuantity', guard.authorizedQuantity, delta.quantity));
  if (guard.valueCap !== undefined && delta.value > 0)
    conditions.push(within('releasedValue', guard.valueCap, delta.value));
  return {
    TableName: table,
    Key: { licenseId: guard.licenseId },
    UpdateExpression: drawdownAdds(x, delta),
    ConditionExpression: [`attribute_exists(${x.name('licenseId')})`, ...conditions].join(' AND '),
    ...x.params(),
  };
}

/**
 * The `Update` of a license event's tally (shared/domain/event-tally.ts), in
 * the transaction of the writes it counts: ADDs each group's count and units
 * and the transaction, appends the lines it keeps, keeps the first
 * transaction's nonce (`opened`) and moves the TTL on. Unconditional: the
 * transaction's other actions decide whether it commits. Placeholders are
 * numbered, since group names hold `|` and ids `.`, `:` and `-`.
 */
export function tallyUpdate(table: string, u: TallyUpdate) {
  const names: Record<string, string> = { '#o': 'opened', '#x': 'expiresAt', '#t': 'transactions' };
  const values: Record<string, unknown> = { ':o': u.opened, ':x': u.expiresAt, ':one': 1 };
  const sets = ['#o = if_not_exists(#o, :o)', '#x = :x'];
  const adds = ['#t :one'];
  let i = 0;
  for (const [group, sum] of u.add) {
    const attrs = tallyAttrs(group);
    names[`#n${i}`] = attrs.count;
    names[`#q${i}`] = attrs.quantity;
    values[`:n${i}`] = sum.count;
    values[`:q${i}`] = sum.quantity;
    adds.push(`#n${i} :n${i}`, `#q${i} :q${i}`);
    const lines = u.lines.get(group);
    if (lines && lines.length > 0) {
      names[`#l${i}`] = attrs.lines;
      values[`:l${i}`] = lines;
      values[':none'] = [];
      sets.push(`#l${i} = list_append(if_not_exists(#l${i}, :none), :l${i})`);
    }
    i++;
  }
  return {
    TableName: table,
    Key: { licenseId: u.licenseId, event: u.event },
    UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
