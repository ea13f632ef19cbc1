/**
 * The synthesized CloudFormation template, read into the few facts the local
 * stack needs. Anything the local stack would have to guess at (an intrinsic
 * it cannot resolve, a filter operator it cannot evaluate, a condition it
 * cannot evaluate) fails here, loudly, before a resource is created.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFilterCriteria, FilterPatternError } from './filter-pattern.js';

/** The template cannot be read into the local model. */
export class TemplateModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateModelError';
  }
}

/** A CloudFormation template as JSON. */
export type CfnTemplate = Record<string, unknown>;

/** A value in the template that the local stack resolves to a string. */
export type CfnValue =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'ref'; readonly logicalId: string }
  | { readonly kind: 'getAtt'; readonly logicalId: string; readonly attribute: string }
  | { readonly kind: 'join'; readonly delimiter: string; readonly parts: readonly CfnValue[] };

/** One key of a table or index. */
export interface KeyElement {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
}

/** A secondary index of a table. */
export interface IndexModel {
  readonly indexName: string;
  readonly keySchema: readonly KeyElement[];
  readonly projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

/** `AWS::DynamoDB::Table`. */
export interface TableModel {
  readonly logicalId: string;
  readonly keySchema: readonly KeyElement[];
  readonly attributeDefinitions: ReadonlyArray<{ attributeName: string; attributeType: 'S' | 'N' | 'B' }>;
  readonly globalSecondaryIndexes: readonly IndexModel[];
  readonly localSecondaryIndexes: readonly IndexModel[];
  /** Stream view type, when the table has a stream. */
  readonly streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** TTL attribute, when TTL is enabled. */
  readonly timeToLiveAttribute?: string;
}

/** `AWS::SNS::Topic`. */
export interface TopicModel {
  readonly logicalId: string;
  readonly fifo: boolean;
  readonly displayName?: string;
}

/** `AWS::SQS::Queue`. */
export interface QueueModel {
  readonly logicalId: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds?: number;
  readonly messageRetentionPeriodSeconds?: number;
}

/** `AWS::SNS::Subscription`. */
export interface SubscriptionModel {
  readonly logicalId: string;
  readonly topic: CfnValue;
  readonly protocol: string;
  readonly endpoint: CfnValue;
  readonly rawMessageDelivery: boolean;
  readonly filterPolicy?: unknown;
  readonly filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
}

/** `AWS::Lambda::Function` with a `clearance:entry` metadata entry. */
export interface FunctionModel {
  readonly logicalId: string;
  /** Repo-relative module that exports the handler, e.g. `functions/license-events.ts`. */
  readonly entry: string;
  /** Exported name of the handler (from `Handler: index.handler`). */
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  readonly environment: Readonly<Record<string, CfnValue>>;
  /** The bundle's directory in the cloud assembly (`aws:asset:path` metadata), when the template was bundled. */
  readonly assetPath?: string;
}

/** `AWS::Lambda::EventSourceMapping` on a DynamoDB stream. */
export interface EventSourceMappingModel {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly tableLogicalId: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly bisectBatchOnFunctionError: boolean;
  /** -1 means retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1 means no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly onFailureQueueLogicalId?: string;
  /** Parsed `FilterCriteria.Filters[].Pattern` objects (validated). */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
}

/** `AWS::Events::Rule` with a `rate(...)` schedule targeting functions. */
export interface ScheduleModel {
  readonly logicalId: string;
  readonly expression: string;
  /** Period of a `rate()` expression; undefined for `cron()`. */
  readonly periodMs?: number;
  readonly enabled: boolean;
  readonly targets: ReadonlyArray<{ functionLogicalId: string; input?: unknown }>;
}

/** Everything the local stack creates and runs, by logical id. */
export interface StackModel {
  readonly tables: readonly TableModel[];
  readonly topics: readonly TopicModel[];
  readonly queues: readonly QueueModel[];
  readonly subscriptions: readonly SubscriptionModel[];
  readonly functions: readonly FunctionModel[];
  readonly eventSourceMappings: readonly EventSourceMappingModel[];
  readonly schedules: readonly ScheduleModel[];
  /** Parameter values used (defaults unless overridden). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Logical id → type of every resource (for resolving Ref/GetAtt). */
  readonly resourceTypes: Readonly<Record<string, string>>;
  /** Resources left out because their Condition is false. */
  readonly skippedByCondition: readonly string[];
}

/** Options of {@link parseTemplate}. */
export interface ParseTemplateOptions {
  /** Parameter values overriding the template defaults. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** Options of {@link synthesizeTemplate}. */
export interface SynthesizeOptions {
  /** Extra CDK context. */
  readonly context?: Readonly<Record<string, unknown>>;
}

// ---------------------------------------------------------------- helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(where: string, message: string): never {
  throw new TemplateModelError(`${where}: ${message}`);
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(where, `expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function optStr(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : str(value, where);
}

function num(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    fail(where, `expected a number, got ${JSON.stringify(value)}`);
  return n;
}

function bool(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  fail(where, `expected a boolean, got ${JSON.stringify(value)}`);
}

function arr(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(where, `expected a list, got ${JSON.stringify(value)}`);
  return value;
}

function rec(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(where, `expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads a value that must become a string locally: a literal, `Ref`,
 * `Fn::GetAtt` (list or dotted form) or `Fn::Join` of those. A `Ref` to a template parameter is
 * resolved here. Anything else fails.
 */
function cfnValue(value: unknown, where: string, parameters: Readonly<Record<string, string>>): CfnValue {
  if (typeof value === 'string') return { kind: 'literal', value };
  if (typeof value === 'number' || typeof value === 'boolean')
    return { kind: 'literal', value: String(value) };
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && typeof value.Ref === 'string') {
      const param = parameters[value.Ref];
      if (param !== undefined) return { kind: 'literal', value: param };
      return { kind: 'ref', logicalId: value.Ref };
    }
    const join = value['Fn::Join'];
    if (keys.length === 1 && Array.isArray(join) && join.length === 2 && typeof join[0] === 'string') {
      const [delimiter, parts] = join;
      if (Array.isArray(parts)) {
        return {
          kind: 'join',
          delimiter,
          parts: parts.map((p, i) => cfnValue(p, `${where}.Fn::Join[${i}]`, parameters)),
        };
      }
    }
    const getAtt = value['Fn::GetAtt'];
    if (keys.length === 1 && getAtt !== undefined) {
      if (
        Array.isArray(getAtt) &&
        getAtt.length === 2 &&
        typeof getAtt[0] === 'string' &&
        typeof getAtt[1] === 'string'
      ) {
        return { kind: 'getAtt', logicalId: getAtt[0], attribute: getAtt[1] };
      }
      if (typeof getAtt === 'string' && getAtt.includes('.')) {
        const dot = getAtt.indexOf('.');
        return { kind: 'getAtt', logicalId: getAtt.slice(0, dot), attribute: getAtt.slice(dot + 1) };
      }
    }
  }
  fail(
    where,
    `unsupported value ${JSON.stringify(value)}: the local stack resolves only literals, Ref, Fn::GetAtt and Fn::Join`,
  );
}

function keySchema(value: unknown, where: string): KeyElement[] {
  return arr(value, where).map((k, i) => {
    const key = rec(k, `${where}[${i}]`);
    const keyType = str(key.KeyType, `${where}[${i}].KeyType`);
    if (keyType !== 'HASH' && keyType !== 'RANGE') fail(where, `bad KeyType ${keyType}`);
    return { attributeName: str(key.AttributeName, `${where}[${i}].AttributeName`), keyType };
  });
}

function indexes(value: unknown, where: string): IndexModel[] {
  return arr(value, where).map((ix, i) => {
    const index = rec(ix, `${where}[${i}]`);
    const projection = rec(index.Projection, `${where}[${i}].Projection`);
    const projectionType =
      optStr(projection.ProjectionType, `${where}[${i}].Projection.ProjectionType`) ?? 'ALL';
    if (projectionType !== 'ALL' && projectionType !== 'KEYS_ONLY' && projectionType !== 'INCLUDE') {
      fail(where, `bad ProjectionType ${projectionType}`);
    }
    const nonKey = projection.NonKeyAttributes;
    return {
      indexName: str(index.IndexName, `${where}[${i}].IndexName`),
      keySchema: keySchema(index.KeySchema, `${where}[${i}].KeySchema`),
      projectionType,
      ...(nonKey === undefined
        ? {}
        : { nonKeyAttributes: arr(nonKey, `${where}[${i}].NonKeyAttributes`).map((a) => str(a, where)) }),
    };
  });
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Period of an EventBridge `rate(N unit)` expression in ms; undefined for anything else. */
export function ratePeriodMs(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  if (m === null) return undefined;
  const [, amount, unit] = m;
  const factor = unit === undefined ? undefined : UNIT_MS[unit];
  if (amount === undefined || factor === undefined) return undefined;
  return Number(amount) * factor;
}

function evalCondition(
  value: unknown,
  where: string,
  parameters: Readonly<Record<string, string>>,
  conditions: Record<string, unknown>,
  seen: ReadonlySet<string>,
): boolean | string {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (!isRecord(value)) fail(where, `cannot evaluate ${JSON.stringify(value)}`);
  const [op, ...rest] = Object.keys(value);
  if (op === undefined || rest.length > 0) fail(where, `cannot evaluate ${JSON.stringify(value)}`);
  const args = value[op];
  const sub = (v: unknown): boolean | string => evalCondition(v, where, parameters, conditions, seen);
  const asBool = (v: unknown): boolean => {
    const r = sub(v);
    if (typeof r !== 'boolean') fail(where, `expected a condition, got ${JSON.stringify(v)}`);
    return r;
  };
  switch (op) {
    case 'Ref': {
      const p = typeof args === 'string' ? parameters[args] : undefined;
      if (p === undefined) fail(where, `condition refers to unknown parameter ${JSON.stringify(args)}`);
      return p;
    }
    case 'Condition': {
      const name = str(args, where);
      if (seen.has(name)) fail(where, `condition cycle through ${name}`);
      const body = conditions[name];
      if (body === undefined) fail(where, `unknown condition ${name}`);
      return evalCondition(body, where, parameters, conditions, new Set([...seen, name]));
    }
    case 'Fn::Equals': {
      const [a, b] = arr(args, where);
      return sub(a) === sub(b);
    }
    case 'Fn::Not':
      return !asBool(arr(args, where)[0]);
    case 'Fn::And':
      return arr(args, where).every(asBool);
    case 'Fn::Or':
      return arr(args, where).some(asBool);
    default:
      fail(where, `unsupported condition function ${op}`);
  }
}

// ---------------------------------------------------------------- parse

/**
 * Reads a synthesized template into a {@link StackModel}.
 *
 * @throws {TemplateModelError} on anything the local stack cannot emulate
 *   faithfully (unknown intrinsic in an environment variable, unsupported
 *   filter operator, a mapping on a non-DynamoDB source, ...).
 */
export function parseTemplate(template: CfnTemplate, options: ParseTemplateOptions = {}): StackModel {
  const resources = rec(template.Resources, 'Resources');
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(rec(template.Parameters, 'Parameters'))) {
    const def = rec(p, `Parameters.${name}`).Default;
    if (def !== undefined) parameters[name] = String(def);
  }
  Object.assign(parameters, options.parameters);
  const conditionDefs = rec(template.Conditions, 'Conditions');
  const conditionValue = (name: string, where: string): boolean => {
    const body = conditionDefs[name];
    if (body === undefined) fail(where, `unknown condition ${name}`);
    const v = evalCondition(body, `${where} (Condition ${name})`, parameters, conditionDefs, new Set([name]));
    if (typeof v !== 'boolean') fail(where, `condition ${name} does not evaluate to a boolean`);
    return v;
  };

  const resourceTypes: Record<string, string> = {};
  const tables: TableModel[] = [];
  const topics: TopicModel[] = [];
  const queues: QueueModel[] = [];
  const subscriptions: SubscriptionModel[] = [];
  const functions: FunctionModel[] = [];
  const mappings: EventSourceMappingModel[] = [];
  const schedules: ScheduleModel[] = [];
  const skippedByCondition: string[] = [];

  for (const [logicalId, raw] of Object.entries(resources)) {
    const where = `Resources.${logicalId}`;
    const resource = rec(raw, where);
    const type = str(resource.Type, `${where}.Type`);
    resourceTypes[logicalId] = type;
    if (resource.Condition !== undefined && !conditionValue(str(resource.Condition, where), where)) {
      skippedByCondition.push(logicalId);
      continue;
    }
    const props = rec(resource.Properties, `${where}.Properties`);
    switch (type) {
      case 'AWS::DynamoDB::Table': {
        if (props.TableName !== undefined)
          fail(where, 'has a hard-coded TableName; the local stack names tables');
        const stream =
          props.StreamSpecification === undefined ? undefined : rec(props.StreamSpecification, where);
        const viewType =
          stream === undefined ? undefined : str(stream.StreamViewType, `${where}.StreamViewType`);
        if (
          viewType !== undefined &&
          !['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'].includes(viewType)
        ) {
          fail(where, `bad StreamViewType ${viewType}`);
        }
        const ttl =
          props.TimeToLiveSpecification === undefined ? undefined : rec(props.TimeToLiveSpecification, where);
        tables.push({
          logicalId,
          keySchema: keySchema(props.KeySchema, `${where}.KeySchema`),
          attributeDefinitions: arr(props.AttributeDefinitions, `${where}.AttributeDefinitions`).map(
            (a, i) => {
              const def = rec(a, `${where}.AttributeDefinitions[${i}]`);
              const attributeType = str(def.AttributeType, where);
              if (attributeType !== 'S' && attributeType !== 'N' && attributeType !== 'B') {
                fail(where, `bad AttributeType ${attributeType}`);
              }
              return { attributeName: str(def.AttributeName, where), attributeType };
            },
          ),
          globalSecondaryIndexes: indexes(props.GlobalSecondaryIndexes, `${where}.GlobalSecondaryIndexes`),
          localSecondaryIndexes: indexes(props.LocalSecondaryIndexes, `${where}.LocalSecondaryIndexes`),
          ...(viewType === undefined ? {} : { streamViewType: viewType as TableModel['streamViewType'] }),
          ...(ttl !== undefined && bool(ttl.Enabled, where, false)
            ? {
                timeToLiveAttribute: str(ttl.AttributeName, `${where}.TimeToLiveSpecification.AttributeName`),
              }
            : {}),
        });
        break;
      }
      case 'AWS::SNS::Topic': {
        if (props.TopicName !== undefined)
          fail(where, 'has a hard-coded TopicName; the local stack names topics');
        const displayName = optStr(props.DisplayName, `${where}.DisplayName`);
        topics.push({
          logicalId,
          fifo: bool(props.FifoTopic, where, false),
          ...(displayName === undefined ? {} : { displayName }),
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        if (props.QueueName !== undefined)
          fail(where, 'has a hard-coded QueueName; the local stack names queues');
        queues.push({
          logicalId,
          fifo: bool(props.FifoQueue, where, false),
          ...(props.VisibilityTimeout === undefined
            ? {}
            : { visibilityTimeoutSeconds: num(props.VisibilityTimeout, where, 30) }),
          ...(props.MessageRetentionPeriod === undefined
            ? {}
            : { messageRetentionPeriodSeconds: num(props.MessageRetentionPeriod, where, 345_600) }),
        });
        break;
      }
      case 'AWS::SNS::Subscription': {
        const policy = props.FilterPolicy;
        const scope = optStr(props.FilterPolicyScope, `${where}.FilterPolicyScope`);
        if (scope !== undefined && scope !== 'MessageAttributes' && scope !== 'MessageBody') {
          fail(where, `bad FilterPolicyScope ${scope}`);
        }
        subscriptions.push({
          logicalId,
          topic: cfnValue(props.TopicArn, `${where}.TopicArn`, parameters),
          protocol: str(props.Protocol, `${where}.Protocol`),
          endpoint: cfnValue(props.Endpoint, `${where}.Endpoint`, parameters),
          rawMessageDelivery: bool(props.RawMessageDelivery, where, false),
          ...(policy === undefined
            ? {}
            : { filterPolicy: typeof policy === 'string' ? JSON.parse(policy) : policy }),
          ...(scope === undefined ? {} : { filterPolicyScope: scope }),
        });
        break;
      }
      case 'AWS::Lambda::Function': {
        const metadata = rec(resource.Metadata, `${where}.Metadata`);
        const entry = metadata['clearance:entry'];
        if (entry === undefined) {
          // CDK-internal functions (custom resources, log retention) have no entry.
          break;
        }
        const handler = str(props.Handler ?? 'index.handler', `${where}.Handler`);
        const exportName = handler.slice(handler.lastIndexOf('.') + 1);
        const env: Record<string, CfnValue> = {};
        const vars = rec(
          rec(props.Environment, `${where}.Environment`).Variables,
          `${where}.Environment.Variables`,
        );
        for (const [name, value] of Object.entries(vars)) {
          env[name] = cfnValue(value, `${where}.Environment.Variables.${name}`, parameters);
        }
        const assetPath = optStr(metadata['aws:asset:path'], `${where}.Metadata.aws:asset:path`);
        functions.push({
          logicalId,
          ...(assetPath === undefined ? {} : { assetPath }),
          entry: str(entry, `${where}.Metadata.clearance:entry`),
          exportName,
          timeoutSeconds: num(props.Timeout, `${where}.Timeout`, 3),
          memorySizeMb: num(props.MemorySize, `${where}.MemorySize`, 128),
          environment: env,
        });
        break;
      }
      case 'AWS::Lambda::EventSourceMapping': {
        const source = cfnValue(props.EventSourceArn, `${where}.EventSourceArn`, parameters);
        if (source.kind !== 'getAtt' || source.attribute !== 'StreamArn') {
          fail(
            where,
            'the local stack emulates only DynamoDB stream mappings (EventSourceArn: GetAtt Table.StreamArn)',
          );
        }
        const fn = cfnValue(props.FunctionName, `${where}.FunctionName`, parameters);
        if (fn.kind !== 'ref' && !(fn.kind === 'getAtt' && fn.attribute === 'Arn')) {
          fail(where, 'FunctionName must be a Ref (or GetAtt Arn) of a function in the template');
        }
        const destination = rec(rec(props.DestinationConfig, where).OnFailure, where).Destination;
        let onFailureQueueLogicalId: string | undefined;
        if (destination !== undefined) {
          const dest = cfnValue(destination, `${where}.DestinationConfig.OnFailure.Destination`, parameters);
          if (dest.kind !== 'getAtt' || dest.attribute !== 'Arn') {
            fail(where, 'on-failure destination must be GetAtt <Queue>.Arn');
          }
          onFailureQueueLogicalId = dest.logicalId;
        }
        const filterPatterns = arr(
          rec(props.FilterCriteria, where).Filters,
          `${where}.FilterCriteria.Filters`,
        ).map((f, i) => {
          const pattern = rec(f, `${where}.FilterCriteria.Filters[${i}]`).Pattern;
          try {
            return typeof pattern === 'string' ? (JSON.parse(pattern) as unknown) : pattern;
          } catch (cause) {
            throw new TemplateModelError(`${where}: filter pattern is not JSON`, { cause });
          }
        });
        try {
          compileFilterCriteria(filterPatterns);
        } catch (cause) {
          if (cause instanceof FilterPatternError) {
            throw new TemplateModelError(`${where}: ${cause.message}`, { cause });
          }
          throw cause;
        }
        const responseTypes = arr(props.FunctionResponseTypes, where).map((t) => str(t, where));
        const startingPosition = str(props.StartingPosition ?? 'TRIM_HORIZON', `${where}.StartingPosition`);
        if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
          fail(where, `unsupported StartingPosition ${startingPosition}`);
        }
        const parallelization = num(props.ParallelizationFactor, where, 1);
        if (parallelization !== 1) fail(where, 'ParallelizationFactor other than 1 is not emulated');
        mappings.push({
          logicalId,
          functionLogicalId: fn.logicalId,
          tableLogicalId: source.logicalId,
          batchSize: num(props.BatchSize, `${where}.BatchSize`, 100),
          maximumBatchingWindowSeconds: num(props.MaximumBatchingWindowInSeconds, where, 0),
          startingPosition,
          bisectBatchOnFunctionError: bool(props.BisectBatchOnFunctionError, where, false),
          maximumRetryAttempts: num(props.MaximumRetryAttempts, where, -1),
          maximumRecordAgeSeconds: num(props.MaximumRecordAgeInSeconds, where, -1),
          reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
          ...(onFailureQueueLogicalId === undefined ? {} : { onFailureQueueLogicalId }),
          filterPatterns,
          enabled: bool(props.Enabled, where, true),
        });
        break;
      }
      case 'AWS::Events::Rule': {
        const expression = optStr(props.ScheduleExpression, `${where}.ScheduleExpression`);
        if (expression === undefined) break; // event-pattern rules are not part of this stack
        const targets = arr(props.Targets, `${where}.Targets`).map((t, i) => {
          const target = rec(t, `${where}.Targets[${i}]`);
          const arn = cfnValue(target.Arn, `${where}.Targets[${i}].Arn`, parameters);
          if (arn.kind !== 'getAtt' || arn.attribute !== 'Arn') {
            fail(where, 'schedule targets must be GetAtt <Function>.Arn');
          }
          const input = target.Input === undefined ? undefined : JSON.parse(str(target.Input, where));
          return { functionLogicalId: arn.logicalId, ...(input === undefined ? {} : { input }) };
        });
        const periodMs = ratePeriodMs(expression);
        schedules.push({
          logicalId,
          expression,
          ...(periodMs === undefined ? {} : { periodMs }),
          enabled: str(props.State ?? 'ENABLED', where) === 'ENABLED',
          targets,
        });
        break;
      }
      default:
        break;
    }
  }

  const fnIds = new Set(functions.map((f) => f.logicalId));
  const tableIds = new Set(tables.map((t) => t.logicalId));
  const queueIds = new Set(queues.map((q) => q.logicalId));
  for (const m of mappings) {
    if (!fnIds.has(m.functionLogicalId)) {
      fail(
        m.logicalId,
        `targets ${m.functionLogicalId}, which is not a function with clearance:entry metadata`,
      );
    }
    const table = tables.find((t) => t.logicalId === m.tableLogicalId);
    if (!tableIds.has(m.tableLogicalId) || table?.streamViewType === undefined) {
      fail(m.logicalId, `reads ${m.tableLogicalId}, which is not a table with a stream`);
    }
    if (m.onFailureQueueLogicalId !== undefined && !queueIds.has(m.onFailureQueueLogicalId)) {
      fail(m.logicalId, `on-failure destination ${m.onFailureQueueLogicalId} is not a queue in the template`);
    }
  }
  for (const s of schedules) {
    for (const t of s.targets) {
      if (!fnIds.has(t.functionLogicalId)) {
        fail(
          s.logicalId,
          `targets ${t.functionLogicalId}, which is not a function with clearance:entry metadata`,
        );
      }
    }
  }

  return {
    tables,
    topics,
    queues,
    subscriptions,
    functions,
    eventSourceMappings: mappings,
    schedules,
    parameters,
    resourceTypes,
    skippedByCondition,
  };
}

/** A synthesized template and the cloud assembly directory its assets (the function bundles) are in. */
export interface CloudAssembly {
  readonly template: CfnTemplate;
  /** Absolute path of the cloud assembly, e.g. `<repo>/cdk.out`. */
  readonly dir: string;
}

/** Where `cdk synth` writes the cloud assembly (cdk.json's default). */
export const DEFAULT_ASSEMBLY_DIR = fileURLToPath(new URL('../cdk.out', import.meta.url));

/**
 * Synthesizes the CDK app in-process, bundling every function with esbuild as
 * `cdk synth` does (about 4 s), and returns the template with its assembly
 * directory: the local stack runs the bundles the template names. Without
 * extra context it writes to `cdk.out`, like `npm run synth`; with context, to
 * a fresh temporary directory. The built-in template validation is skipped
 * (`npm run synth` runs it); cdk-nag runs and throws on an unacknowledged
 * finding.
 */
export async function synthesizeAssembly(options: SynthesizeOptions = {}): Promise<CloudAssembly> {
  const app = await import('../infra/app.js');
  const custom = options.context !== undefined && Object.keys(options.context).length > 0;
  const dir = custom ? mkdtempSync(join(tmpdir(), 'clearance-assembly-')) : DEFAULT_ASSEMBLY_DIR;
  const template = app.synthTemplate({
    skipBundling: false,
    outdir: dir,
    ...(options.context ? { context: options.context } : {}),
  });
  return { template, dir };
}

/** Synthesizes the CDK app and parses the template. */
export async function loadStackModel(
  options: SynthesizeOptions & ParseTemplateOptions = {},
): Promise<{ assembly: CloudAssembly; model: StackModel }> {
  const assembly = await synthesizeAssembly(options);
  return { assembly, model: parseTemplate(assembly.template, options) };
}
