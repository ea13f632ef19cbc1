/**
 * `AWS::Lambda::EventSourceMapping` on a DynamoDB stream: its function,
 * table, batching, retries, on-failure queue and filter patterns (validated
 * here, so an operator the local filter cannot evaluate fails early).
 */
import { compileFilterCriteria, FilterPatternError } from '../filter-pattern.js';
import { type EventSourceMappingModel, TemplateModelError } from './model.js';
import { arr, bool, cfnValue, fail, num, type ResourceEntry, rec, str } from './values.js';

/** The logical id of the queue the mapping's `DestinationConfig.OnFailure` names, if any. */
function onFailureQueue({ where, props, parameters }: ResourceEntry): string | undefined {
  const destination = rec(rec(props.DestinationConfig, where).OnFailure, where).Destination;
  if (destination === undefined) return undefined;
  const dest = cfnValue(destination, `${where}.DestinationConfig.OnFailure.Destination`, parameters);
  if (dest.kind !== 'getAtt' || dest.attribute !== 'Arn') {
    fail(where, 'on-failure destination must be GetAtt <Queue>.Arn');
  }
  return dest.logicalId;
}

/** `FilterCriteria.Filters[].Pattern`, parsed and checked against what the local filter evaluates. */
function filterPatterns({ where, props }: ResourceEntry): unknown[] {
  const patterns = arr(rec(props.FilterCriteria, where).Filters, `${where}.FilterCriteria.Filters`).map(
    (f, i) => {
      const pattern = rec(f, `${where}.FilterCriteria.Filters[${i}]`).Pattern;
      try {
        return typeof pattern === 'string' ? (JSON.parse(pattern) as unknown) : pattern;
      } catch (cause) {
        throw new TemplateModelError(`${where}: filter pattern is not JSON`, { cause });
      }
    },
  );
  try {
    compileFilterCriteria(patterns);
  } catch (cause) {
    if (cause instanceof FilterPatternError) {
      throw new TemplateModelError(`${where}: ${cause.message}`, { cause });
    }
    throw cause;
  }
  return patterns;
}

/**
 * The mapping properties the emulator models, or that change nothing it
 * emulates (`MetricsConfig`, `KmsKeyArn` of the filter criteria, `Tags`).
 * Any other (a tumbling window, a scaling or poller config, ...) would change
 * what the function receives or when: refused, so the local stack never runs
 * a mapping other than the one deployed.
 */
const MODELLED_PROPERTIES = new Set([
  'BatchSize',
  'BisectBatchOnFunctionError',
  'DestinationConfig',
  'Enabled',
  'EventSourceArn',
  'FilterCriteria',
  'FunctionName',
  'FunctionResponseTypes',
  'KmsKeyArn',
  'MaximumBatchingWindowInSeconds',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'MetricsConfig',
  'ParallelizationFactor',
  'StartingPosition',
  'Tags',
]);

export function parseMapping(entry: ResourceEntry): EventSourceMappingModel {
  const { logicalId, where, props, parameters } = entry;
  const unmodelled = Object.keys(props).filter((k) => !MODELLED_PROPERTIES.has(k));
  if (unmodelled.length > 0) {
    fail(
      where,
      `the local stack does not emulate ${unmodelled.join(', ')}: teach local/esm the property, or the local stack would run a mapping other than the one deployed`,
    );
  }
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
  const onFailureQueueLogicalId = onFailureQueue(entry);
  const patterns = filterPatterns(entry);
  const responseTypes = arr(props.FunctionResponseTypes, where).map((t) => str(t, where));
  const startingPosition = str(props.StartingPosition ?? 'TRIM_HORIZON', `${where}.StartingPosition`);
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    fail(where, `unsupported StartingPosition ${startingPosition}`);
  }
  const parallelization = num(props.ParallelizationFactor, where, 1);
  if (!Number.isInteger(parallelization) || parallelization < 1 || parallelization > 10) {
    fail(where, `ParallelizationFactor must be an integer from 1 to 10, got ${parallelization}`);
  }
  return {
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
    parallelizationFactor: parallelization,
    ...(onFailureQueueLogicalId === undefined ? {} : { onFailureQueueLogicalId }),
    filterPatterns: patterns,
    enabled: bool(props.Enabled, where, true),
  };
}
