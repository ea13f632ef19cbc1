/**
 * The template's `Ref`, `Fn::GetAtt` and `Fn::Join` values resolved to the
 * local names, ARNs and URLs of what was created.
 */
import type { CfnValue, StackModel } from '../template.js';
import {
  LOCAL_ACCOUNT_ID,
  LocalResourceError,
  type QueueResource,
  type TableResource,
  type TopicResource,
} from './types.js';

/** Resolves a template value to a local string; `where` names the place in errors. */
export type ResolveValue = (value: CfnValue, where: string) => string;

/** What a value can refer to. */
export interface LocalNames {
  readonly region: string;
  readonly prefix: string;
  readonly model: StackModel;
  readonly tablesByLogicalId: Readonly<Record<string, TableResource>>;
  readonly topicsByLogicalId: Readonly<Record<string, TopicResource>>;
  readonly queuesByLogicalId: Readonly<Record<string, QueueResource>>;
  readonly functionNames: Readonly<Record<string, { name: string; arn: string }>>;
}

/** The value of a pseudo parameter (`AWS::Region`, ...), undefined for any other id. */
function pseudoParameter(id: string, names: LocalNames): string | undefined {
  switch (id) {
    case 'AWS::Region':
      return names.region;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT_ID;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return names.prefix;
    default:
      return undefined;
  }
}

/** A `Ref` or `Fn::GetAtt` of a created resource, undefined when there is none. */
function resourceValue(value: Exclude<CfnValue, { kind: 'literal' | 'join' }>, names: LocalNames) {
  const id = value.logicalId;
  const table = names.tablesByLogicalId[id];
  const topic = names.topicsByLogicalId[id];
  const queue = names.queuesByLogicalId[id];
  const fn = names.functionNames[id];
  if (value.kind === 'ref') return table?.name ?? topic?.arn ?? queue?.url ?? fn?.name;
  const attr = value.attribute;
  if (table) return { Arn: table.arn, StreamArn: table.streamArn }[attr];
  if (topic) return { TopicArn: topic.arn, TopicName: topic.name }[attr];
  if (queue) return { Arn: queue.arn, QueueName: queue.name, QueueUrl: queue.url }[attr];
  if (fn) return { Arn: fn.arn }[attr];
  return undefined;
}

/**
 * A resolver over `names`.
 *
 * @throws {LocalResourceError} naming the place and the reference it cannot resolve.
 */
export function localResolver(names: LocalNames): ResolveValue {
  const resolve: ResolveValue = (value, where) => {
    if (value.kind === 'literal') return value.value;
    if (value.kind === 'join') return value.parts.map((p) => resolve(p, where)).join(value.delimiter);
    const id = value.logicalId;
    const pseudo = value.kind === 'ref' ? pseudoParameter(id, names) : undefined;
    if (pseudo !== undefined) return pseudo;
    const resolved = resourceValue(value, names);
    if (resolved === undefined) {
      const type = names.model.resourceTypes[id] ?? 'unknown resource';
      const what = value.kind === 'ref' ? `Ref ${id}` : `Fn::GetAtt ${id}.${value.attribute}`;
      throw new LocalResourceError(`${where}: cannot resolve ${what} (${type}) locally`);
    }
    return resolved;
  };
  return resolve;
}
