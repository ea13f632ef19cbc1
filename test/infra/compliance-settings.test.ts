/**
 * The compliance alerts' deploy parameters: `-c drawdownThresholds` reaches
 * license-events as DRAWDOWN_THRESHOLDS, `-c expiryLeadDays` the clock as
 * EXPIRY_LEAD_DAYS, and a bad value fails the synth with the rule named.
 */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { complianceSetting } from '../../infra/stack.js';
import { parseDrawdownThresholds } from '../../shared/domain/compliance.js';
import { ENV } from '../../shared/names.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Each function's environment variables, by its entry's service name. */
function environments(context: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const { app, stack } = buildApp({ skipBundling: true, validateTemplate: false, context });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Resources };
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const vars =
      (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    out[String(vars.POWERTOOLS_SERVICE_NAME)] = vars;
  }
  return out;
}

describe('compliance alert settings', () => {
  it('defaults to 80, 90, 100 % and 30, 7, 1 days, each only on the function that uses it', () => {
    const env = environments({});
    expect(env['license-events']?.[ENV.drawdownThresholds]).toBe('80,90,100');
    expect(env['license-clock']?.[ENV.expiryLeadDays]).toBe('1,7,30');
    expect(env['license-clock']?.[ENV.drawdownThresholds]).toBeUndefined();
    expect(env['shipment-events']?.[ENV.drawdownThresholds]).toBeUndefined();
    expect(env['license-events']?.[ENV.expiryLeadDays]).toBeUndefined();
  });

  it('takes -c drawdownThresholds and -c expiryLeadDays as the CLI passes them, or as cdk.json arrays', () => {
    const env = environments({ drawdownThresholds: '95, 75', expiryLeadDays: [60, 14] });
    expect(env['license-events']?.[ENV.drawdownThresholds]).toBe('75,95');
    expect(env['license-clock']?.[ENV.expiryLeadDays]).toBe('14,60');
  });

  it.each([
    [
      { drawdownThresholds: '80,120' },
      /context drawdownThresholds must be whole percentages from 1 to 100.*got "80,120"/,
    ],
    [
      { expiryLeadDays: 'thirty' },
      /context expiryLeadDays must be whole numbers of days from 1 to 365.*got "thirty"/,
    ],
  ])('fails the synth on %j, naming the setting and the rule', (context, message) => {
    expect(() => environments(context)).toThrow(message);
  });

  it('normalizes a setting for the function variable', () => {
    expect(complianceSetting(undefined, 'x', parseDrawdownThresholds, [90, 80])).toBe('80,90');
  });
});
