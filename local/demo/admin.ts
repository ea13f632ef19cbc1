/**
 * The admin, in the console: one UpdateItem on Licenses per decision, as the
 * story goes (approvals, a denial, an illegal edit and its correction, the
 * authority's amendment of a license, a suspension), each round followed by
 * the stack working it through. Before the first approval the admin
 * simulates it (`clearance license simulate`); after the releases the
 * license clock ticks, as its minute schedule would.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../shared/domain/ports.js';
import type { ClockResult } from '../../shared/engine/clock.js';
import { opsAlerts } from './compliance.js';
import { waitWithProgress } from './progress.js';
import { AMENDED, licenseIdOf, num, type Scenario, SIMULATED, usd } from './scenario.js';
import { predictionProblems, type Simulated, simulate, simulationSummary } from './simulation.js';
import type { Subscribers } from './subscribers.js';

/** The shipments a license has released: how many, their units and their value. */
export interface Released {
  shipments: number;
  units: number;
  value: number;
}

/** The authority's amendment the admin entered, and what the license had released before it. */
export interface Amendment {
  licenseId: string;
  field: 'authorizedQuantity';
  from: number;
  to: number;
  reason: string;
  before: Released;
}

/** What the admin did that the report and the checks look at. */
export interface Acted {
  amendment: Amendment;
  /** The simulation of the first approval, and how the approval differed from it (nothing, when it did not). */
  simulated: Simulated;
  predictionProblems: string[];
  /** What the clock's tick after the releases did. */
  clock: ClockResult;
}

const ADMIN = 'compliance@console';

/** The admin's console edit of a license's status. */
function consoleEdit({ ddb, tables }: Scenario, licenseId: string, status: string, reason: string) {
  return ddb.send(
    new UpdateCommand({
      TableName: tables.licenses,
      Key: { licenseId },
      UpdateExpression: 'SET #s = :s, statusReason = :r, updatedBy = :b',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':r': reason, ':b': ADMIN },
    }),
  );
}

/** The admin's console edit of a license's term (an amendment): the term, and who and why. */
function consoleAmend({ ddb, tables }: Scenario, amendment: Amendment) {
  return ddb.send(
    new UpdateCommand({
      TableName: tables.licenses,
      Key: { licenseId: amendment.licenseId },
      UpdateExpression: 'SET #f = :v, statusReason = :r, updatedBy = :b',
      ExpressionAttributeNames: { '#f': amendment.field },
      ExpressionAttributeValues: { ':v': amendment.to, ':r': amendment.reason, ':b': ADMIN },
    }),
  );
}

/** What a license has released now, read through the released-shipments index. */
export async function releasedOf({ repos }: Scenario, licenseId: string): Promise<Released> {
  const released: Released = { shipments: 0, units: 0, value: 0 };
  let after: string | undefined;
  do {
    const page = await repos.shipments.page('released', licenseId, after, 100);
    for (const s of page.items) {
      released.shipments += 1;
      released.units += Number(s.quantity ?? 0);
      released.value += Number(s.value ?? 0);
    }
    after = page.next;
  } while (after !== undefined);
  return released;
}

/** What a license has released, from a scan of the shipments (RELEASED and SHIPPED count). */
export function releasedIn(shipments: readonly RawItem[], licenseId: string): Released {
  const released: Released = { shipments: 0, units: 0, value: 0 };
  for (const s of shipments) {
    if (s.licenseId !== licenseId || (s.status !== 'RELEASED' && s.status !== 'SHIPPED')) continue;
    released.shipments += 1;
    released.units += Number(s.quantity ?? 0);
    released.value += Number(s.value ?? 0);
  }
  return released;
}

/** The amendment BIS grants the exhausted license: about a quarter more quantity, in round hundreds. */
async function plannedAmendment(scenario: Scenario): Promise<Amendment> {
  const licenseId = licenseIdOf(AMENDED);
  const from = Number((await scenario.repos.licenses.get(licenseId))?.authorizedQuantity);
  return {
    licenseId,
    field: 'authorizedQuantity',
    from,
    to: Math.max(from + 100, Math.round((from * 1.25) / 100) * 100),
    reason: 'amendment 2 from BIS',
    before: await releasedOf(scenario, licenseId),
  };
}

/**
 * The license clock's tick, as its minute schedule fires it: the expiry
 * watch runs in it. The schedule may have ticked already (a slow run passes
 * its first minute) and sent the warning that this tick then finds sent, so
 * the log names both: what this tick warned about, and every LICENSE_EXPIRING
 * ops has received from either.
 */
async function clockTicks(
  scenario: Scenario,
  subscribers: Subscribers,
  progress: (label: string) => Promise<void>,
): Promise<ClockResult> {
  scenario.log(
    'Clock: the license clock ticks (its schedule fires every minute; the expiry watch runs in it).',
  );
  const began = Date.now();
  const clock = (await scenario.stack.esm.invokeSchedule('license-clock')) as ClockResult;
  const ticked = Date.now() - began;
  await progress('clock tick');
  const received = opsAlerts(subscribers)
    .filter((a) => a.attributes.alertType === 'LICENSE_EXPIRING')
    .map((a) => a.attributes.licenseId ?? '?');
  scenario.log(
    `  expiry watch: this tick warned about ${clock.expiring.join(', ') || 'none'}; ops has LICENSE_EXPIRING for ${[...new Set(received)].join(', ') || 'none'}, scheduled ticks included (tick ${(ticked / 1000).toFixed(1)} s, drained after ${((Date.now() - began) / 1000).toFixed(1)} s)`,
  );
  return clock;
}

/** Everything the admin does, waiting for the stack after each round of edits. */
export async function adminActs(
  scenario: Scenario,
  subscribers: Subscribers,
  licenseIds: readonly string[],
): Promise<Acted> {
  const { log, repos } = scenario;
  const edit = (licenseId: string, status: string, reason: string) =>
    consoleEdit(scenario, licenseId, status, reason);
  const progress = (label: string) => waitWithProgress(scenario, subscribers, licenseIds, label);
  const simulated = await simulate(scenario, licenseIdOf(SIMULATED), 'APPROVED');
  log(`Admin: first runs ${simulated.command}`);
  log(simulationSummary(simulated));
  log(
    'Admin: approves LIC-H20-0001..0004, denies LIC-H20-0005, edits LIC-H20-0006 PENDING → SUSPENDED (illegal).',
  );
  for (let i = 0; i < 4; i++) await edit(licenseIdOf(i), 'APPROVED', 'BIS license granted');
  await edit(licenseIdOf(4), 'DENIED', 'End user on the Entity List');
  await edit(licenseIdOf(5), 'SUSPENDED', 'typo: meant to leave it pending');
  await progress('releasing');
  const predicted = await predictionProblems(scenario, subscribers, simulated);
  log(
    predicted.length === 0
      ? `  ${simulated.report.licenseId}: the approval did what the simulation predicted`
      : `  ${simulated.report.licenseId}: the approval differs from the simulation in ${predicted.length} way(s)`,
  );
  const clock = await clockTicks(scenario, subscribers, progress);
  const rejected = await repos.licenses.get(licenseIdOf(5));
  log(`  LIC-H20-0006 statusError: ${String(rejected?.statusError ?? '(none)')}`);
  const amendment = await plannedAmendment(scenario);
  log(
    `Admin: sets LIC-H20-0006 back to PENDING, suspends LIC-H20-0002 (investigation opened), and enters ${amendment.reason} for ${amendment.licenseId}: ${amendment.field} ${num(amendment.from)} → ${num(amendment.to)}.`,
  );
  await edit(licenseIdOf(5), 'PENDING', 'corrected');
  await edit(licenseIdOf(1), 'SUSPENDED', 'Investigation opened');
  await consoleAmend(scenario, amendment);
  await progress('re-holding, amending');
  const after = await releasedOf(scenario, amendment.licenseId);
  log(
    `  ${amendment.licenseId} released ${num(after.shipments - amendment.before.shipments)} more shipments (${num(after.units - amendment.before.units)} units, ${usd(after.value - amendment.before.value)}).`,
  );
  return { amendment, simulated, predictionProblems: predicted, clock };
}
