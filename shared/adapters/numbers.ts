import { NumberValueImpl } from '@aws-sdk/util-dynamodb';
import { holdsExactly, INEXACT_NUMBER, type InexactNumber } from '../domain/numbers.js';

/**
 * How every reader of the tables turns Numbers into JS values: the handlers'
 * document client (functions/runtime.ts), the stream images
 * (shared/adapters/stream.ts) and the CLI's client (cli/clients.ts). One
 * place, so that the CLI shows an item as the handlers judged it.
 */

/**
 * A Number whose digits a double cannot hold (shared/domain/numbers.ts), as
 * typed. It is a NumberValue, so a write that quotes it (a rejection's
 * condition on the value found, a write-back) sends the very Number stored;
 * as JSON (a `--json` listing, a quoted value) it is its text.
 */
class InexactNumberValue extends NumberValueImpl implements InexactNumber {
  readonly [INEXACT_NUMBER] = true as const;

  toJSON(): string {
    return this.toString();
  }
}

const SHORT_INTEGER = /^-?\d{1,15}$/;

/**
 * The Number `text` as a JS number when a double holds it exactly (`10^30`
 * included: validation rejects it as too large), else as an inexact number
 * that validation rejects naming the field.
 */
export function numberFromText(text: string): number | InexactNumber {
  // The common case first (every counter, quantity and revision): up to 15 digits, which a double always holds.
  if (SHORT_INTEGER.test(text)) return Number(text);
  const value = Number(text);
  return holdsExactly(text, value) ? value : new InexactNumberValue(text);
}

/** How to unmarshall an image read outside a document client (a stream record's). */
export const readNumbers = (): { wrapNumbers: typeof numberFromText } => ({ wrapNumbers: numberFromText });

/**
 * A document client's translation options, new on each call: the client
 * writes its own defaults into the objects it is given (lib-dynamodb sets
 * `convertWithoutMapWrapper` on `unmarshallOptions`), so they are never
 * shared. Numbers are read by `numberFromText`: by default the SDK would
 * return a BigInt beyond the safe integer range (which reads as "not a
 * Number", and which JSON cannot write) and throw on a fraction there (one
 * such item failing a whole listing). A number read as a double beyond the
 * safe range (1e30) is written back as it was read (a rejection's condition
 * quotes the typed value), which DynamoDB compares equal to the Number
 * stored, rather than throwing.
 */
export const documentTranslation = () => ({
  marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: true },
  unmarshallOptions: readNumbers(),
});
