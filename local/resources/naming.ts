/** Physical names under the stack's prefix, within each service's length limit. */
import { createHash } from 'node:crypto';

const SAFE = /[^A-Za-z0-9_-]/g;

/** `<prefix>-<logicalId>`, shortened with a hash when longer than `max`. */
export function physicalName(prefix: string, logicalId: string, max: number, suffix = ''): string {
  const full = `${prefix}-${logicalId}`.replace(SAFE, '-');
  if (full.length + suffix.length <= max) return `${full}${suffix}`;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, max - suffix.length - 9)}-${hash}${suffix}`;
}
