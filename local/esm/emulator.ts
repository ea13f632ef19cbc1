/**
 * The emulator's lifecycle: builds one runner per enabled mapping, loads the
 * functions' handlers through the Lambda host (or the tests' overrides),
 * polls until stopped, drains to quiescence, and counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { compileFilterCriteria } from '../filter-pattern.js';
import type { FunctionBundle } from '../lambda-host.js';
import type { FunctionResource } from '../resources.js';
import type { EventSourceMappingModel } from '../template.js';
import { baseName, describeError, functionBundle } from './invoke.js';
import { MappingRunner } from './mapping-runner.js';
import { Schedules } from './schedules.js';
import {
  type AnyHandler,
  DrainTimeoutError,
  defaultLogger,
  EsmError,
  type EsmLogger,
  type EsmOptions,
  type EsmStats,
  type StreamHandler,
} from './types.js';

type MappingClients = { streams: DynamoDBStreamsClient; sqs: SQSClient };

/** How long the emulator waits on one stream call before it fails it and polls again. */
const STREAM_CALL_TIMEOUT_MS = 20_000;

/**
 * Runs the template's stream mappings and schedules against the local
 * services. Create with {@link EventSourceMappingEmulator.create}.
 */
export class EventSourceMappingEmulator {
  private readonly runners: MappingRunner[];
  private readonly schedules: Schedules;
  private running = false;
  private loops: Promise<void>[] = [];
  private activity = 0;
  private readonly clients: MappingClients[] = [];
  private readonly log: EsmLogger;
  private readonly pollIntervalMs: number;
  private readonly drainPollIntervalMs: number;
  /** Drains under way: while one waits, see {@link idlePause} and {@link noteActivity}. */
  private draining = 0;
  /** Ends the idle pauses under way (stopping; with a shorter drain interval, a drain starting or activity during one). */
  private readonly wakers = new Map<() => void, number>();
  /** The runners of each streamed table, by its name and by its ARN (see {@link noteWrite}). */
  private readonly runnersByTable = new Map<string, MappingRunner[]>();

  private constructor(private readonly options: EsmOptions) {
    this.log = options.log ?? defaultLogger;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.drainPollIntervalMs = Math.min(
      this.pollIntervalMs,
      options.drainPollIntervalMs ?? this.pollIntervalMs,
    );
    this.runners = options.model.eventSourceMappings.filter((m) => m.enabled).map((m) => this.runnerFor(m));
    this.schedules = new Schedules({
      model: options.model,
      resources: options.resources,
      handlerOf: (fn) => this.handlerFor(this.keysOf(undefined, fn), fn),
      ...(options.aroundInvoke ? { aroundInvoke: options.aroundInvoke } : {}),
      log: this.log,
      onActivity: () => this.noteActivity(),
    });
  }

  /** Builds the emulator (does not start polling). */
  static create(options: EsmOptions): EventSourceMappingEmulator {
    return new EventSourceMappingEmulator(options);
  }

  /** The runner of one mapping, with the tests' overrides applied. */
  private runnerFor(base: EventSourceMappingModel): MappingRunner {
    const { options } = this;
    const { resources } = options;
    const fn = resources.functionsByLogicalId[base.functionLogicalId];
    const table = resources.tablesByLogicalId[base.tableLogicalId];
    if (fn === undefined || table?.streamArn === undefined) {
      throw new EsmError(`${base.logicalId}: its function or stream was not created`);
    }
    const keys = this.keysOf(base.logicalId, fn);
    const mapping = { ...base, ...this.lookup(options.mappingOverrides, keys) };
    const patterns = this.lookup(options.filterOverrides, keys) ?? mapping.filterPatterns;
    const dlq =
      mapping.onFailureQueueLogicalId === undefined
        ? undefined
        : resources.queuesByLogicalId[mapping.onFailureQueueLogicalId];
    const clients = this.clientsFor(fn.logicalId);
    const runner = new MappingRunner(
      mapping,
      fn,
      table.streamArn,
      dlq,
      compileFilterCriteria(patterns),
      () => this.handlerFor(keys, fn) as Promise<StreamHandler>,
      {
        streams: clients.streams,
        sqs: clients.sqs,
        region: resources.region,
        retryDelayMs: options.retryDelayMs ?? 10,
        ...(options.quietReadIntervalMs === undefined
          ? {}
          : { quietReadIntervalMs: options.quietReadIntervalMs }),
        log: this.log,
        onActivity: () => this.noteActivity(),
        ...(options.aroundInvoke ? { aroundInvoke: options.aroundInvoke } : {}),
        ...(options.redelivery ? { redelivery: options.redelivery } : {}),
      },
    );
    for (const key of [table.name, table.arn])
      this.runnersByTable.set(key, [...(this.runnersByTable.get(key) ?? []), runner]);
    return runner;
  }

  /** Streams and SQS clients acting for one function's mapping, as Lambda does with the function's role. */
  private clientsFor(functionLogicalId: string): MappingClients {
    const { endpoints } = this.options;
    const base = {
      region: endpoints.region,
      credentials: this.options.credentialsFor?.(functionLogicalId) ?? {
        accessKeyId: 'local',
        secretAccessKey: 'local',
      },
    };
    const clients = {
      // A stream call that never returns would stall the mapping (and drain) for good; Lambda's poller
      // times out and polls again, so does this one: far beyond a healthy GetRecords, even under load.
      streams: new DynamoDBStreamsClient({
        ...base,
        endpoint: endpoints.dynamodbStreams,
        requestHandler: { requestTimeout: STREAM_CALL_TIMEOUT_MS },
      }),
      sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
    };
    this.options.instrumentClients?.(clients);
    this.clients.push(clients);
    return clients;
  }

  // ---------------------------------------------------------------- handlers

  /** The keys the overrides of a mapping's (or a schedule's) function may use; see EsmOptions.handlerOverrides. */
  private keysOf(mappingLogicalId: string | undefined, fn: FunctionResource): string[] {
    const keys = [fn.logicalId, fn.entry, baseName(fn.entry)];
    if (mappingLogicalId !== undefined) {
      keys.unshift(mappingLogicalId);
      const mapping = this.options.model.eventSourceMappings.find((m) => m.logicalId === mappingLogicalId);
      const { tables } = this.options.resources;
      if (mapping?.tableLogicalId === tables.licenses.logicalId) keys.push('licenses');
      if (mapping?.tableLogicalId === tables.shipments.logicalId) keys.push('shipments');
    }
    return keys;
  }

  private lookup<T>(map: Readonly<Record<string, T>> | undefined, keys: readonly string[]): T | undefined {
    if (map === undefined) return undefined;
    for (const key of keys) {
      const hit = map[key];
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  private handlerFor(keys: readonly string[], fn: FunctionResource): Promise<AnyHandler> {
    const override = this.lookup(this.options.handlerOverrides, keys);
    if (override !== undefined) return Promise.resolve(override as AnyHandler);
    return this.loadHandler(fn.logicalId);
  }

  /** The function as the Lambda host runs it. */
  bundleOf(functionLogicalId: string): FunctionBundle {
    const fn = this.options.resources.functionsByLogicalId[functionLogicalId];
    if (fn === undefined) throw new EsmError(`no function ${functionLogicalId} in the template`);
    return functionBundle(fn);
  }

  /**
   * The function's handler as Lambda runs it: each call is an invocation in
   * one of its sandboxes (its bundle, its environment). The first call of
   * each function starts a sandbox and imports the bundle; a bundle that
   * cannot load fails with EsmError, as its first invocation would on Lambda.
   */
  async loadHandler(functionLogicalId: string): Promise<AnyHandler> {
    const bundle = this.bundleOf(functionLogicalId);
    try {
      await this.options.host.warm(bundle);
    } catch (cause) {
      throw new EsmError(`cannot load ${bundle.label} (${bundle.logicalId}): ${describeError(cause)}`, {
        cause,
      });
    }
    return (event: never) => this.options.host.invoke(bundle, event);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Imports every handler, the functions' sandboxes starting at once
   * (surfacing import errors: the first function's in template order), and
   * starts polling.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const loads = Object.values(this.options.resources.functionsByLogicalId).map((fn) => {
      const mapping = this.options.model.eventSourceMappings.find(
        (m) => m.functionLogicalId === fn.logicalId,
      );
      return this.handlerFor(this.keysOf(mapping?.logicalId, fn), fn);
    });
    const failed = (await Promise.allSettled(loads)).find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    this.running = true;
    this.loops = this.runners.map((runner) => this.loop(runner));
  }

  private async loop(runner: MappingRunner): Promise<void> {
    while (this.running) {
      const worked = await runner.cycle();
      if (!worked && this.running) await this.idlePause();
    }
  }

  /**
   * A write reached `table` (its name or ARN): its mappings read their shards
   * at their next cycle (see EsmOptions.quietReadIntervalMs). The local
   * stack's gateway calls this for every DynamoDB write it forwards.
   */
  noteWrite(table: string): void {
    for (const runner of this.runnersByTable.get(table) ?? []) runner.noteWrite();
  }

  /** Records were read or an invocation ended: while a drain waits, the idle mappings look at once. */
  private noteActivity(): void {
    this.activity++;
    if (this.draining > 0 && this.drainPollIntervalMs < this.pollIntervalMs) this.wakeAll();
  }

  /** Ends the pauses under way, or only those longer than `longerThanMs`. */
  private wakeAll(longerThanMs = -1): void {
    for (const [wake, ms] of [...this.wakers]) if (ms > longerThanMs) wake();
  }

  /**
   * The pause of a loop whose last cycle found nothing to do. While a drain
   * waits and nothing is buffered or in flight anywhere, it is
   * {@link drainPollIntervalMs}, and the loops that paused while another
   * worked look again: the drain's confirming polls run without waiting, and
   * no idle mapping polls in a tight loop beside one at work.
   */
  private idlePause(): Promise<void> {
    let ms = this.pollIntervalMs;
    const hurry = this.draining > 0 && this.drainPollIntervalMs < this.pollIntervalMs;
    if (hurry && this.schedules.idle && this.runners.every((r) => r.isIdle())) {
      // Not those already pausing this short: two loops would wake each other without end.
      this.wakeAll(this.drainPollIntervalMs);
      ms = this.drainPollIntervalMs;
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.set(done, ms);
    });
  }

  /** Stops polling and schedules; waits for the in-flight batch and scheduled invocations. */
  async stop(): Promise<void> {
    this.stopSchedules();
    this.running = false;
    this.wakeAll();
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.runners.map((r) => r.settle()));
    await this.schedules.settle();
    this.loops = [];
  }

  /** Stops and closes the emulator's SDK clients. */
  async dispose(): Promise<void> {
    await this.stop();
    for (const c of this.clients) {
      c.streams.destroy();
      c.sqs.destroy();
    }
  }

  /** True between {@link start} and {@link stop}. */
  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Resolves once every mapping has read its stream to the end, nothing is
   * buffered or in flight (scheduled invocations included), twice in a row
   * with no activity in between. Handlers that write to other streamed
   * tables are thus followed to the end. Every shard is read at least once
   * after the call; with `quietReadIntervalMs`, a shard whose last page was
   * empty is read again only after a write to its table is noted (see EsmOptions).
   *
   * @throws {DrainTimeoutError} after `timeoutMs` (default 90 s: a liveness limit, generous for a slow shared machine).
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.running) throw new EsmError('drain() needs a started emulator');
    const timeoutMs = options.timeoutMs ?? 90_000;
    this.draining++;
    // Every shard is read once more, whatever was noted: a write that bypassed the gateway too.
    for (const runner of this.runners) runner.noteWrite();
    if (this.drainPollIntervalMs < this.pollIntervalMs) this.wakeAll();
    try {
      await this.untilQuiet(timeoutMs);
    } finally {
      this.draining--;
    }
  }

  private async untilQuiet(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    let lastActivity = this.activity;
    while (quiet < 2) {
      const marks = this.runners.map((r) => r.cyclesCompleted);
      // A cycle that was under way may have read before the latest write: wait for the next full one.
      while (this.runners.some((r, i) => r.cyclesCompleted < (marks[i] ?? 0) + 2)) {
        if (Date.now() > deadline) throw this.drainTimeout(timeoutMs);
        if (!this.running) throw new EsmError('emulator stopped while draining');
        await sleep(5);
      }
      const idle = this.schedules.idle && this.runners.every((r) => r.isIdle());
      quiet = idle && this.activity === lastActivity ? quiet + 1 : 0;
      lastActivity = this.activity;
      if (quiet < 2 && Date.now() > deadline) throw this.drainTimeout(timeoutMs);
    }
  }

  /** What kept the emulator busy: runners with work, a polling cycle that has not returned, schedules. */
  private drainTimeout(timeoutMs: number): DrainTimeoutError {
    const now = Date.now();
    const busy = this.runners.flatMap((r) => {
      const buffered = [...r.shards.values()].reduce((n, s) => n + s.buffered, 0);
      const cycleMs = r.cycleStartedAt === undefined ? 0 : now - r.cycleStartedAt;
      const parts = [
        ...(r.isIdle() ? [] : [`buffered ${buffered}, invoking ${String(r.invoking)}`]),
        // A cycle this old is waiting on a stream call or a handler that has not returned.
        ...(cycleMs > 5_000 ? [`one polling cycle under way for ${cycleMs} ms`] : []),
      ];
      return parts.length === 0 ? [] : [`${r.name} (${parts.join('; ')})`];
    });
    if (!this.schedules.idle) busy.push('scheduled invocations');
    return new DrainTimeoutError(
      `not quiescent after ${timeoutMs} ms; busy: ${busy.join(', ') || 'none at the deadline, but activity kept changing'}; ` +
        `stats: ${JSON.stringify(this.stats())}`,
    );
  }

  /** Counters per mapping and for schedules. */
  stats(): EsmStats {
    return {
      mappings: this.runners.map((r) => ({ mapping: r.name, function: r.fn.logicalId, ...r.stats })),
      scheduledInvocations: this.schedules.invocations,
      scheduledFailures: this.schedules.failures,
    };
  }

  // ---------------------------------------------------------------- schedules

  /**
   * Invokes a schedule's target once, as EventBridge would, and returns the
   * handler's result. `name` is the rule's or function's logical id, the
   * entry path or its base name (`license-clock`).
   */
  invokeSchedule(name: string, options: { time?: Date } = {}): Promise<unknown> {
    return this.schedules.invoke(name, options);
  }

  /**
   * Fires every enabled `rate()` schedule on a timer, `speedUp` times faster
   * than the template says. A tick is skipped while the previous one runs.
   */
  startSchedules(options: { speedUp?: number } = {}): void {
    this.schedules.start(options);
  }

  /** Stops the schedule timers (in-flight ticks finish on their own). */
  stopSchedules(): void {
    this.schedules.stop();
  }
}
