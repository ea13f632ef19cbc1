/**
 * The high-severity alarms' descriptions (what the page shows) name every
 * alert counted in their metric: shipment-events' "counted before, not taken
 * in again" refusal is counted in EditsRejected{Severity=high}
 * (HeldToShippedRejected), license-events' "overwritten item was applied as a
 * new license" in OpsAlerts{Severity=high} (LicenseHighSeverityAlert).
 */
import { describe, expect, it } from 'vitest';
import { synthesize } from './synth.js';

const s = synthesize();
const description = (idPart: string): string => {
  const alarms = s.template.findResources('AWS::CloudWatch::Alarm');
  const found = Object.entries(alarms).find(([id]) => id.includes(idPart));
  if (found === undefined) throw new Error(`no alarm ${idPart}`);
  return String((found[1].Properties as Record<string, unknown>).AlarmDescription);
};

describe('high-severity alarm descriptions name every alert counted in them', () => {
  it('HeldToShippedRejected names the "counted before, not taken in again" refusal', () => {
    expect(description('HeldToShippedRejected')).toMatch(/counted before, not taken in again/);
    expect(description('HeldToShippedRejected')).toMatch(/HELD to SHIPPED/);
  });

  it('LicenseHighSeverityAlert names the "overwritten item was applied as a new license" alert', () => {
    expect(description('LicenseHighSeverityAlert')).toMatch(/applied as a new license/);
    expect(description('LicenseHighSeverityAlert')).toMatch(/applied license was deleted/);
  });
});
