/**
 * The template's EventBridge schedules: one invocation on demand, as
 * EventBridge would send it, or every enabled `rate()` rule on a timer.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { type FunctionResource, LOCAL_ACCOUNT_ID, type LocalResources } from '../resources.js';
import type { ScheduleModel, StackModel } from '../template.js';
import { baseName, describeError, invokeAround, lambdaContext } from './invoke.js';
import { type AnyHandler, EsmError, type EsmLogger, type EsmOptions } from './types.js';

/** What the schedules are given by the emulator. */
export interface SchedulesEnv {
  readonly model: StackModel;
  readonly resources: LocalResources;
  /** The function's handler (an override, or its bundle in the Lambda host). */
  readonly handlerOf: (fn: FunctionResource) => Promise<AnyHandler>;
  readonly aroundInvoke?: EsmOptions['aroundInvoke'];
  readonly log: EsmLogger;
  /** Called when a scheduled invocation ends (drain waits for quiet). */
  readonly onActivity: () => void;
}

/** The event EventBridge sends for `rule` at `time`. */
function scheduledEvent(rule: ScheduleModel, resources: LocalResources, time: Date): ScheduledEvent {
  const region = resources.region;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${resources.prefix}-${rule.logicalId}`],
    detail: {},
  };
}

/** Invokes the schedules' targets, on demand or on timers, and counts the invocations. */
export class Schedules {
  invocations = 0;
  failures = 0;
  private running = 0;
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly env: SchedulesEnv) {}

  /** No scheduled invocation under way. */
  get idle(): boolean {
    return this.running === 0;
  }

  /** Resolves once the invocations under way have ended. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private find(name: string): { rule: ScheduleModel; fn: FunctionResource; input?: unknown } {
    const { model, resources } = this.env;
    for (const rule of model.schedules) {
      for (const target of rule.targets) {
        const fn = resources.functionsByLogicalId[target.functionLogicalId];
        if (fn === undefined) continue;
        if ([rule.logicalId, fn.logicalId, fn.entry, baseName(fn.entry), fn.name].includes(name)) {
          return { rule, fn, ...(target.input === undefined ? {} : { input: target.input }) };
        }
      }
    }
    throw new EsmError(`no schedule targets "${name}"`);
  }

  /** See {@link EventSourceMappingEmulator.invokeSchedule}. */
  async invoke(name: string, options: { time?: Date } = {}): Promise<unknown> {
    const { rule, fn, input } = this.find(name);
    const event = scheduledEvent(rule, this.env.resources, options.time ?? new Date());
    this.running++;
    this.invocations++;
    const run = (async () => {
      try {
        const handler = await this.env.handlerOf(fn);
        const invoke = async () => handler((input ?? event) as never, lambdaContext(fn));
        return await invokeAround(
          this.env.aroundInvoke,
          { functionLogicalId: fn.logicalId, name: baseName(fn.entry) },
          invoke,
        );
      } catch (err) {
        this.failures++;
        throw err;
      } finally {
        this.running--;
        this.env.onActivity();
      }
    })();
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  /** See {@link EventSourceMappingEmulator.startSchedules}. */
  start(options: { speedUp?: number } = {}): void {
    const speedUp = options.speedUp ?? 1;
    if (!(speedUp > 0)) throw new EsmError(`speedUp must be > 0, got ${speedUp}`);
    this.stop();
    for (const rule of this.env.model.schedules) {
      if (!rule.enabled) continue;
      if (rule.periodMs === undefined) {
        throw new EsmError(`${rule.logicalId}: only rate() schedules are emulated, got ${rule.expression}`);
      }
      for (const target of rule.targets)
        this.startTimer(rule, target.functionLogicalId, rule.periodMs / speedUp);
    }
  }

  /** Invokes `functionLogicalId` every `periodMs` (at least 10 ms), skipping a tick while the last one runs. */
  private startTimer(rule: ScheduleModel, functionLogicalId: string, periodMs: number): void {
    let busy = false;
    const timer = setInterval(
      () => {
        if (busy) {
          this.env.log('warn', `${rule.logicalId}: previous tick still running; tick skipped`);
          return;
        }
        busy = true;
        this.invoke(functionLogicalId)
          .catch((err: unknown) => this.env.log('error', `${rule.logicalId}: ${describeError(err)}`))
          .finally(() => {
            busy = false;
          });
      },
      Math.max(10, periodMs),
    );
    timer.unref();
    this.timers.push(timer);
  }

  /** Stops the timers (in-flight ticks finish on their own). */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
