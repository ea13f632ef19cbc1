/**
 * What LICENSE_DRAWDOWN tells ops when the limit is already used up: the
 * closing line follows what the license draws, not the threshold's number, so
 * an alert for a lower threshold that arrives with the limit fully drawn says
 * nothing more can go (docs/messages.md).
 */
import { describe, expect, it } from 'vitest';
import { drawdownCrossings } from '../../../shared/domain/compliance.js';
import { drawdownAlert } from '../../../shared/domain/compliance-notices.js';
import { aLicense } from '../../helpers/factories.js';

const license = aLicense({ licenseId: 'LIC-D', authorizedQuantity: 1000 });
const drawn = { quantity: 1000, value: 0 };
const backlog = { shipments: 4, units: 40 };

describe('LICENSE_DRAWDOWN text when the limit is fully drawn', () => {
  it('with thresholds 80,90 (-c drawdownThresholds), a release to 1,000 of 1,000 units is told that nothing more can be released', () => {
    const thresholds = [80, 90];
    const crossings = drawdownCrossings(license, drawn, { quantity: [], value: [] }, thresholds);
    const messages = crossings.map(
      (crossing) => drawdownAlert({ license, crossing, drawn, backlog, thresholds }).message,
    );
    expect(messages).toHaveLength(2);
    expect(messages.join('\n')).toMatch(/Nothing more can be released/);
    expect(messages.join('\n')).not.toMatch(/Releases go on in hold order/);
  });

  it('with the default thresholds, one pass to 100 % sends an 80 % alert that does not say releases go on', () => {
    const thresholds = [80, 90, 100];
    const crossings = drawdownCrossings(license, drawn, { quantity: [], value: [] }, thresholds);
    const eighty = crossings.find((c) => c.threshold === 80);
    expect(eighty).toBeDefined();
    if (!eighty) return;
    const message = drawdownAlert({ license, crossing: eighty, drawn, backlog, thresholds }).message;
    expect(message).toContain('Left to release: 0 units');
    expect(message).not.toMatch(/Releases go on in hold order until the limit is reached/);
  });
});
