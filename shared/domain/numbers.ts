/**
 * Numbers as DynamoDB keeps them and as the system reads them. A Number (N)
 * attribute holds up to 38 significant digits; the system reads it as a JS
 * number (a double, about 15–17 digits). A Number the double holds exactly
 * is read as that number. One it does not (`1000.0000000000000000001`,
 * `12345678901234567.5`) is not rounded: it is read as an inexact number,
 * which every schema rejects with the field named and the fix
 * (shared/domain/model.ts). Rounded, it would pass as the whole number the
 * admin never typed, and every write conditional on the stored value (the
 * license's terms as read) would fail, with nothing rejected or alerted.
 *
 * "Exactly" means: the double, written back as JS writes it, is the same
 * DynamoDB Number. So `10^30` (the double 1e+30) is held exactly and is
 * rejected as too large, while `12345678901234567.5` is not.
 */

/**
 * Marks an inexact number: a Number attribute read as its text. The storage
 * adapter's class carries it (shared/adapters/numbers.ts), so that the value
 * is also written back exactly as typed; the domain recognises it by this
 * mark alone.
 */
export const INEXACT_NUMBER: unique symbol = Symbol.for('clearance.inexactNumber');

/** A Number attribute whose digits a double cannot hold, as typed. */
export interface InexactNumber {
  readonly [INEXACT_NUMBER]: true;
  /** The Number as DynamoDB holds it. */
  toString(): string;
}

export const isInexactNumber = (value: unknown): value is InexactNumber =>
  typeof value === 'object' && value !== null && (value as Partial<InexactNumber>)[INEXACT_NUMBER] === true;

/** A decimal as sign, significant digits (no leading or trailing zeros) and exponent; zero has no sign. */
interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** `text` normalised: `1000.0`, `1e3`, `+1000` and `001000` are one decimal; `-0` is `0`. */
function decimal(text: string): Decimal | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return undefined;
  const all = `${whole}${fraction}`.replace(/^0+/, '');
  if (all === '') return { negative: false, digits: '0', exponent: 0 };
  const digits = all.replace(/0+$/, '');
  return {
    negative: sign === '-',
    digits,
    exponent: Number(exponent) - fraction.length + (all.length - digits.length),
  };
}

/**
 * Whether `value`, the double read from the Number `text`, is that Number
 * exactly: its shortest decimal (as JS writes it) is the same decimal.
 */
export function holdsExactly(text: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const typed = decimal(text);
  const read = decimal(String(value));
  return (
    typed !== undefined &&
    read !== undefined &&
    typed.negative === read.negative &&
    typed.digits === read.digits &&
    typed.exponent === read.exponent
  );
}
