/**
 * `AWS::DynamoDB::Table`: keys, indexes, stream, TTL, and whether it has a
 * resource policy. Deletion protection, PITR, encryption and billing mode
 * are ignored: DynamoDB Local has no use for them.
 */
import type { IndexModel, KeyElement, TableModel } from './model.js';
import { arr, bool, fail, optStr, type ResourceEntry, rec, str } from './values.js';

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

export function parseTable({ logicalId, where, props }: ResourceEntry): TableModel {
  if (props.TableName !== undefined) fail(where, 'has a hard-coded TableName; the local stack names tables');
  const stream = props.StreamSpecification === undefined ? undefined : rec(props.StreamSpecification, where);
  const viewType = stream === undefined ? undefined : str(stream.StreamViewType, `${where}.StreamViewType`);
  if (
    viewType !== undefined &&
    !['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'].includes(viewType)
  ) {
    fail(where, `bad StreamViewType ${viewType}`);
  }
  const ttl =
    props.TimeToLiveSpecification === undefined ? undefined : rec(props.TimeToLiveSpecification, where);
  return {
    logicalId,
    keySchema: keySchema(props.KeySchema, `${where}.KeySchema`),
    attributeDefinitions: arr(props.AttributeDefinitions, `${where}.AttributeDefinitions`).map((a, i) => {
      const def = rec(a, `${where}.AttributeDefinitions[${i}]`);
      const attributeType = str(def.AttributeType, where);
      if (attributeType !== 'S' && attributeType !== 'N' && attributeType !== 'B') {
        fail(where, `bad AttributeType ${attributeType}`);
      }
      return { attributeName: str(def.AttributeName, where), attributeType };
    }),
    globalSecondaryIndexes: indexes(props.GlobalSecondaryIndexes, `${where}.GlobalSecondaryIndexes`),
    localSecondaryIndexes: indexes(props.LocalSecondaryIndexes, `${where}.LocalSecondaryIndexes`),
    ...(viewType === undefined ? {} : { streamViewType: viewType as TableModel['streamViewType'] }),
    ...(ttl !== undefined && bool(ttl.Enabled, where, false)
      ? {
          timeToLiveAttribute: str(ttl.AttributeName, `${where}.TimeToLiveSpecification.AttributeName`),
        }
      : {}),
    ...(props.ResourcePolicy === undefined ? {} : { hasResourcePolicy: true }),
  };
}
