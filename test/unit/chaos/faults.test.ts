import { describe, expect, it } from 'vitest';
import { FaultInjector, InjectedOutage, isInjected } from '../../chaos/faults.js';

/** Invokes `caller` n times through the injector; true where the handler ran. */
async function invocations(faults: FaultInjector, caller: string, n: number): Promise<boolean[]> {
  const ran: boolean[] = [];
  for (let i = 0; i < n; i++) {
    let called = false;
    try {
      await faults.around(caller, async () => {
        called = true;
      });
    } catch (error) {
      expect(error).toBeInstanceOf(InjectedOutage);
      expect(isInjected(error)).toBe(true);
    }
    ran.push(called);
  }
  return ran;
}

describe('FaultInjector outages', () => {
  const rule = { fn: 'shipment-events', from: 3, invocations: 4, label: 'test outage' };

  it('fails exactly invocations from..from+n-1 of its function, before the handler starts', async () => {
    const faults = new FaultInjector({ seed: 1, rate: 0 });
    faults.outage(rule);
    expect(await invocations(faults, 'shipment-events', 9)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(faults.stats.outageInvocations).toBe(4);
  });

  it('leaves other functions alone', async () => {
    const faults = new FaultInjector({ seed: 1, rate: 0 });
    faults.outage(rule);
    expect(await invocations(faults, 'license-events', 6)).toEqual(Array(6).fill(true));
  });

  it('stops when the outage ends or the injector is paused', async () => {
    const ended = new FaultInjector({ seed: 1, rate: 0 });
    ended.outage(rule);
    await invocations(ended, 'shipment-events', 3);
    ended.endOutages();
    expect(await invocations(ended, 'shipment-events', 3)).toEqual([true, true, true]);

    const paused = new FaultInjector({ seed: 1, rate: 0 });
    paused.outage(rule);
    paused.pause();
    expect(await invocations(paused, 'shipment-events', 6)).toEqual(Array(6).fill(true));
    expect(paused.stats.outageInvocations).toBe(0);
  });

  it('names the rule and the invocation in the error', async () => {
    const faults = new FaultInjector({ seed: 1, rate: 0 });
    faults.outage({ ...rule, from: 1 });
    await expect(faults.around('shipment-events', async () => undefined)).rejects.toThrow(
      'injected outage: test outage (shipment-events invocation 1)',
    );
  });
});
