import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoLicenseRepository, DynamoShipmentRepository } from '../shared/adapters/dynamo.js';
import { SnsAlerter, SnsPublisher } from '../shared/adapters/sns.js';
import { expiryLeadDaysConfig, required } from '../shared/config.js';
import { HOLD_REASONS } from '../shared/domain/model.js';
import { type ClockResult, type ClockWatch, clockTick, heldBacklog } from '../shared/engine/clock.js';
import { ENV } from '../shared/names.js';
import { documentClient, newToken, observability, observe, snsClient } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const licensesTable = required(ENV.licensesTable);
const licenses = new DynamoLicenseRepository(documentClient, licensesTable);
// Read-only here: the clock counts the held backlog and reads what the expiry watch reports.
const shipments = new DynamoShipmentRepository(documentClient, { shipments: required(ENV.shipmentsTable) });
const watch: ClockWatch = {
  licenses,
  shipments,
  alerter: new SnsAlerter(snsClient, required(ENV.opsTopicArn)),
  // The clock tells warehouses only (LICENSE_EXPIRING digests): no customer topic.
  publisher: new SnsPublisher(
    snsClient,
    { customerShards: [], logistics: required(ENV.logisticsTopicArn) },
    (failure) => logger.warn('expiry digests not published; the next tick tries again', failure),
  ),
  leadDays: expiryLeadDaysConfig(),
  // Where the re-checks of quiet leads reached: kept while the instance is warm (a cold one begins anew).
  recheckCursor: {},
  // A license whose nearest expiry lead was quiet is re-checked every 5th tick, in a turn spread by its id.
  recheckEvery: 5,
  onError: (licenseId, error) =>
    logger.error('expiry watch failed; the next tick tries again', { licenseId, error: error as Error }),
};
/** Sample the held backlog every this many minutes (it reads the held index of every license). */
const BACKLOG_EVERY_MINUTES = 5;
/** Time kept back from the invocation for the metrics' flush when the backlog is sampled. */
const SAFETY_MS = 5_000;

/**
 * The tick's schedule slot: EventBridge's `time` (on the minute) rather than
 * when the invocation started, which may be late, so each slot samples the
 * backlog, and re-checks the quiet expiry leads whose turn it is, whatever
 * the delay. Now without one.
 */
const slotOf = (event: Partial<ScheduledEvent> | undefined, now: Date): Date => {
  const slot = Date.parse(event?.time ?? '');
  return Number.isNaN(slot) ? now : new Date(slot);
};

/**
 * Scheduled: expires licenses past validUntil, wakes releases whose validFrom
 * arrived, asks for settling passes and warns of licenses about to expire
 * (see clockTick).
 */
export const lambdaHandler = async (
  event?: Partial<ScheduledEvent>,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<ClockResult> => {
  const now = new Date();
  // Due expiry watches and re-checks of quiet leads may take half of the invocation: the rest is the backlog sample's and the flush's.
  const recheckUntil = Date.now() + ((context?.getRemainingTimeInMillis() ?? 60_000) - SAFETY_MS) / 2;
  const inTime = () => Date.now() < recheckUntil;
  const slot = slotOf(event, now);
  const result = await clockTick(licenses, now, newToken, { ...watch, inTime, slot });
  logger.info('clock tick', { ...result });
  if (result.quietRechecksSkipped > 0)
    logger.warn(
      'quiet expiry leads not all re-checked: the rest would outlast the invocation; later ticks go on',
      {
        skipped: result.quietRechecksSkipped,
      },
    );
  if (result.expiryWatchesDeferred > 0)
    logger.warn('expiry watches deferred: the rest would outlast the invocation; the next tick runs them', {
      deferred: result.expiryWatchesDeferred,
    });
  metrics.addMetric('ExpiryRechecksSkipped', MetricUnit.Count, result.quietRechecksSkipped);
  // 0 included: the ExpiryWatchesDeferred alarm (Minimum over 5 minutes) needs every tick's value.
  metrics.addMetric('ExpiryWatchesDeferred', MetricUnit.Count, result.expiryWatchesDeferred);
  metrics.addMetric('LicensesExpired', MetricUnit.Count, result.expired.length);
  metrics.addMetric('ExpiryAlerts', MetricUnit.Count, result.expiring.length);
  metrics.addMetric('ExpiryWatchFailures', MetricUnit.Count, result.expiryFailed.length);
  metrics.addMetric('ReleasesWoken', MetricUnit.Count, result.woken.length);
  metrics.addMetric('SettlingPasses', MetricUnit.Count, result.settling.length);
  if (slot.getUTCMinutes() % BACKLOG_EVERY_MINUTES === 0) {
    // What is left of the invocation, less time to flush the metrics: past it the sample is skipped, not the tick.
    const deadline = Date.now() + (context?.getRemainingTimeInMillis() ?? 60_000) - SAFETY_MS;
    const backlog = await heldBacklog(licenses, shipments, deadline);
    if (backlog === undefined)
      logger.warn('held backlog not sampled: counting it would outlast the invocation');
    // 0 when sampled: the dashboard's graph shows the slots that were, not only those skipped.
    metrics.addMetric('HeldBacklogSkipped', MetricUnit.Count, backlog === undefined ? 1 : 0);
    // Every reason, 0 included: a reason whose backlog emptied drops to 0 on the dashboard, not stops.
    const reasons = backlog === undefined ? [] : new Set([...HOLD_REASONS, ...backlog.keys()]);
    for (const reason of reasons) {
      const gauge = metrics.singleMetric();
      gauge.addDimension('HoldReason', reason);
      gauge.addMetric('HeldShipments', MetricUnit.Count, backlog?.get(reason) ?? 0);
    }
  }
  return result;
};

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
