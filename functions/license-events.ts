import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import {
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
  DynamoTallyRepository,
} from '../shared/adapters/dynamo.js';
import { SnsAlerter, SnsPublisher } from '../shared/adapters/sns.js';
import { fromImage } from '../shared/adapters/stream.js';
import {
  drawdownThresholdsConfig,
  notificationTopicsConfig,
  required,
  requiredInt,
  tablesConfig,
} from '../shared/config.js';
import { isSettledImage } from '../shared/domain/license-rules.js';
import { applyLicenses, type LicenseResult } from '../shared/engine/license-batch.js';
import {
  type LicenseEngineDeps,
  type LicenseOutcome,
  licenseRemoved,
} from '../shared/engine/license-engine.js';
import { isOverwrite, licenseOverwritten } from '../shared/engine/license-overwrite.js';
import { ENV } from '../shared/names.js';
import { countedAlerter, documentClient, newToken, observability, observe, snsClient } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const tables = { ...tablesConfig(), tallies: required(ENV.talliesTable) };
const budgetMs = requiredInt(ENV.releaseTimeBudgetMs);
const concurrency = requiredInt(ENV.releaseConcurrency);
/**
 * The license events' digests this invocation published, by audience, for the DigestsPublished metric
 * (a sandbox runs one invocation at a time; the handler zeroes them when it starts).
 */
const digestsPublished = { customer: 0, logistics: 0 };
/**
 * The ops alerts this invocation sent, by severity, for the OpsAlerts metric (zeroed when the handler
 * starts): counted when sent, whether SNS takes them or not, so a high-severity one reaches its alarm
 * even when the ops topic refuses it (its record is then retried, and counts again).
 */
const opsAlerts = { high: 0, normal: 0 };
const opsAlerter = new SnsAlerter(snsClient, required(ENV.opsTopicArn));
const alerter = countedAlerter(opsAlerter, (alerts) => {
  for (const a of alerts) {
    opsAlerts[a.severity]++;
    if (a.severity === 'high') logger.warn('high-severity ops alert', { ...a.subjectKey });
  }
});
const digestPublisher = new SnsPublisher(snsClient, notificationTopicsConfig(), (failure) =>
  logger.warn('license event digests not published; the license is applied again', failure),
);
const deps: LicenseEngineDeps = {
  licenses: new DynamoLicenseRepository(documentClient, tables.licenses, tables.history),
  shipments: new DynamoShipmentRepository(documentClient, tables),
  inventory: new DynamoInventoryRepository(documentClient, tables.inventory),
  alerter,
  now: () => new Date(),
  newToken,
  settleDelayMs: requiredInt(ENV.settleDelayMs),
  firstSliceMs: requiredInt(ENV.releaseFirstSliceMs),
  drawdownThresholds: drawdownThresholdsConfig(),
  // One digest per customer and per warehouse for each license event, sent when its pass ends.
  digests: {
    tallies: new DynamoTallyRepository(documentClient, tables.tallies),
    publisher: {
      async publish(audience, messages) {
        const failed = await digestPublisher.publish(audience, messages);
        digestsPublished[audience] += messages.length - failed.size;
        return failed;
      },
    },
  },
};
/** Time kept back from the Lambda timeout for the last transaction and the checkpoint. */
const SAFETY_MS = 10_000;

/**
 * Licenses stream → release, re-hold or reject. The stream image is only a
 * trigger: each license in the batch is applied once, from a fresh read, all
 * of them concurrently (RELEASE_CONCURRENCY transactions in flight).
 */
export const lambdaHandler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  const invocationEnd = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS;
  digestsPublished.customer = 0;
  digestsPublished.logistics = 0;
  opsAlerts.high = 0;
  opsAlerts.normal = 0;
  const firstSequence = new Map<string, string>();
  // Licenses a record of this batch shows applied: a fresh read without appliedStatus is then an overwrite in flight.
  const applied = new Set<string>();
  // Licenses whose removal or set-back failed, by that record: their later records wait for its retry.
  const stopped = new Map<string, string>();
  for (const record of event.Records) {
    const licenseId = record.dynamodb?.Keys?.licenseId?.S;
    const sequence = record.dynamodb?.SequenceNumber;
    if (!licenseId || !sequence || stopped.has(licenseId)) continue;
    const newImage = fromImage(record.dynamodb?.NewImage);
    // The old image matters only to a removal or an overwrite, whose new image has no appliedStatus:
    // the writer's own records (most of them) are not unmarshalled twice.
    const oldImage = newImage?.appliedStatus === undefined ? fromImage(record.dynamodb?.OldImage) : undefined;
    try {
      if (record.eventName === 'REMOVE') {
        await licenseRemoved(deps, licenseId, oldImage);
        // An item created again after it is a license of its own, judged as new.
        applied.delete(licenseId);
        continue;
      }
      // Set back before the license is applied, or it would be applied as a new one.
      if (isOverwrite(oldImage, newImage)) await licenseOverwritten(deps, licenseId, oldImage, newImage);
    } catch (error) {
      // This record alone fails: the other licenses of the batch are applied, and it is delivered again.
      logger.error('license record could not be handled; the stream will retry it', {
        licenseId,
        error: error as Error,
      });
      stopped.set(licenseId, sequence);
      firstSequence.delete(licenseId);
      continue;
    }
    if (newImage?.appliedStatus !== undefined) applied.add(licenseId);
    const settled = isSettledImage(newImage);
    if (!settled && !firstSequence.has(licenseId)) firstSequence.set(licenseId, sequence);
  }
  // Licenses this invocation applies (0 when every record was a settled write-back), so every
  // invocation reports at least one metric.
  metrics.addMetric('LicensesApplied', MetricUnit.Count, firstSequence.size);
  const deadline = Math.min(Date.now() + budgetMs, invocationEnd);
  const results = await applyLicenses(deps, [...firstSequence.keys()], deadline, { concurrency, applied });
  const failures = [...stopped.values()].map((itemIdentifier) => ({ itemIdentifier }));
  for (const result of results) {
    const sequence = firstSequence.get(result.licenseId);
    if (!result.ok && sequence !== undefined) failures.push({ itemIdentifier: sequence });
    report(result);
  }
  countBy('DigestsPublished', 'Audience', digestsPublished);
  countBy('OpsAlerts', 'Severity', opsAlerts);
  if (results.length > 0) {
    const transactions = sumOf(results, 'transactions');
    metrics.addMetric('ShipmentTransactions', MetricUnit.Count, transactions);
    metrics.addMetric('TransactionConflicts', MetricUnit.Count, sumOf(results, 'conflicts'));
  }
  return { batchItemFailures: failures };
};

/** Logs one license's result (licenses run concurrently: the license is a field, not the correlation id). */
function report(result: LicenseResult): void {
  const { licenseId } = result;
  if (result.ok) {
    logger.info('license applied', { licenseId, outcome: result.outcome });
    record(licenseId, result.outcome, result.ms);
  } else
    logger.error('license could not be applied; the stream will retry it', {
      licenseId,
      error: result.error as Error,
    });
}

/** One metric per value of `dimension` whose count is above 0. */
function countBy(name: string, dimension: string, counts: Readonly<Record<string, number>>): void {
  for (const [value, count] of Object.entries(counts)) {
    if (count === 0) continue;
    const m = metrics.singleMetric();
    m.addDimension(dimension, value);
    m.addMetric(name, MetricUnit.Count, count);
  }
}

/** A count summed over the licenses that completed or continued. */
const sumOf = (results: readonly LicenseResult[], key: 'transactions' | 'conflicts'): number =>
  results.reduce(
    (n, r) =>
      n + (r.ok && (r.outcome.kind === 'completed' || r.outcome.kind === 'continued') ? r.outcome[key] : 0),
    0,
  );

/** EMF metrics for one license: counts per function, units per license. */
function record(licenseId: string, outcome: LicenseOutcome, ms: number): void {
  if (outcome.kind === 'rejected') metrics.addMetric('EditsRejected', MetricUnit.Count, 1);
  if (outcome.kind !== 'completed' && outcome.kind !== 'continued') return;
  if (outcome.rejected) metrics.addMetric('EditsRejected', MetricUnit.Count, 1);
  metrics.addMetric('ShipmentsReleased', MetricUnit.Count, outcome.released);
  metrics.addMetric('ShipmentsReheld', MetricUnit.Count, outcome.reheld);
  metrics.addMetric('ReleaseDuration', MetricUnit.Milliseconds, ms);
  if (outcome.unitsReleased > 0) {
    const perLicense = metrics.singleMetric();
    perLicense.addDimension('LicenseId', licenseId);
    perLicense.addMetric('UnitsReleased', MetricUnit.Count, outcome.unitsReleased);
  }
}

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
