/**
 * Reads a synthesized template into the local model: parameters, conditions,
 * one reader per resource type, and the references between the resources
 * checked at the end.
 */
import { conditionEvaluator } from './conditions.js';
import { parseFunction } from './functions.js';
import { parseMapping } from './mappings.js';
import { parseQueue, parseSubscription, parseTopic } from './messaging.js';
import type {
  CfnTemplate,
  EventSourceMappingModel,
  FunctionModel,
  QueueModel,
  ScheduleModel,
  StackModel,
  SubscriptionModel,
  TableModel,
  TopicModel,
} from './model.js';
import { parseSchedule } from './schedules.js';
import { parseTable } from './tables.js';
import { fail, type ResourceEntry, rec, str } from './values.js';

/** Options of {@link parseTemplate}. */
export interface ParseTemplateOptions {
  /** Parameter values overriding the template defaults. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The model's resource lists, filled as the resources are read. */
interface ModelLists {
  readonly tables: TableModel[];
  readonly topics: TopicModel[];
  readonly queues: QueueModel[];
  readonly subscriptions: SubscriptionModel[];
  readonly functions: FunctionModel[];
  readonly mappings: EventSourceMappingModel[];
  readonly schedules: ScheduleModel[];
}

/** The template's parameter defaults, overridden by `options.parameters`. */
function parameterValues(template: CfnTemplate, options: ParseTemplateOptions): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(rec(template.Parameters, 'Parameters'))) {
    const def = rec(p, `Parameters.${name}`).Default;
    if (def !== undefined) parameters[name] = String(def);
  }
  Object.assign(parameters, options.parameters);
  return parameters;
}

/** Reads one resource into its list; types the local stack does not use are ignored. */
function addResource(lists: ModelLists, type: string, entry: ResourceEntry): void {
  switch (type) {
    case 'AWS::DynamoDB::Table':
      lists.tables.push(parseTable(entry));
      break;
    case 'AWS::SNS::Topic':
      lists.topics.push(parseTopic(entry));
      break;
    case 'AWS::SQS::Queue':
      lists.queues.push(parseQueue(entry));
      break;
    case 'AWS::SNS::Subscription':
      lists.subscriptions.push(parseSubscription(entry));
      break;
    case 'AWS::Lambda::Function': {
      const fn = parseFunction(entry);
      if (fn !== undefined) lists.functions.push(fn);
      break;
    }
    case 'AWS::Lambda::EventSourceMapping':
      lists.mappings.push(parseMapping(entry));
      break;
    case 'AWS::Events::Rule': {
      const schedule = parseSchedule(entry);
      if (schedule !== undefined) lists.schedules.push(schedule);
      break;
    }
    default:
      break;
  }
}

/** Every mapping and schedule names a function, table and queue the model holds. */
function checkReferences({ functions, tables, queues, mappings, schedules }: ModelLists): void {
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
}

/**
 * Reads a synthesized template into a {@link StackModel}.
 *
 * @throws {TemplateModelError} on anything the local stack cannot emulate
 *   faithfully (unknown intrinsic in an environment variable, unsupported
 *   filter operator, a mapping on a non-DynamoDB source, ...).
 */
export function parseTemplate(template: CfnTemplate, options: ParseTemplateOptions = {}): StackModel {
  const resources = rec(template.Resources, 'Resources');
  const parameters = parameterValues(template, options);
  const conditionValue = conditionEvaluator(rec(template.Conditions, 'Conditions'), parameters);
  const resourceTypes: Record<string, string> = {};
  const skippedByCondition: string[] = [];
  const lists: ModelLists = {
    tables: [],
    topics: [],
    queues: [],
    subscriptions: [],
    functions: [],
    mappings: [],
    schedules: [],
  };

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
    addResource(lists, type, { logicalId, where, resource, props, parameters });
  }
  checkReferences(lists);

  return {
    tables: lists.tables,
    topics: lists.topics,
    queues: lists.queues,
    subscriptions: lists.subscriptions,
    functions: lists.functions,
    eventSourceMappings: lists.mappings,
    schedules: lists.schedules,
    parameters,
    resourceTypes,
    skippedByCondition,
  };
}
