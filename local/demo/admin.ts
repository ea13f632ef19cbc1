/**
 * The admin, in the console: one UpdateItem on Licenses per decision, as the
 * story goes (approvals, a denial, an illegal edit and its correction, a
 * suspension), each followed by the stack working it through.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { waitWithProgress } from './progress.js';
import { licenseIdOf, type Scenario } from './scenario.js';
import type { Subscribers } from './subscribers.js';

/** The admin's console edit of a license's status. */
function consoleEdit({ ddb, tables }: Scenario, licenseId: string, status: string, reason: string) {
  return ddb.send(
    new UpdateCommand({
      TableName: tables.licenses,
      Key: { licenseId },
      UpdateExpression: 'SET #s = :s, statusReason = :r, updatedBy = :b',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':r': reason, ':b': 'compliance@console' },
    }),
  );
}

/** Everything the admin does, waiting for the stack after each round of edits. */
export async function adminActs(
  scenario: Scenario,
  subscribers: Subscribers,
  licenseIds: readonly string[],
): Promise<void> {
  const { log, repos } = scenario;
  const edit = (licenseId: string, status: string, reason: string) =>
    consoleEdit(scenario, licenseId, status, reason);
  const progress = (label: string) => waitWithProgress(scenario, subscribers, licenseIds, label);
  log(
    'Admin: approves LIC-H20-0001..0004, denies LIC-H20-0005, edits LIC-H20-0006 PENDING → SUSPENDED (illegal).',
  );
  for (let i = 0; i < 4; i++) await edit(licenseIdOf(i), 'APPROVED', 'BIS license granted');
  await edit(licenseIdOf(4), 'DENIED', 'End user on the Entity List');
  await edit(licenseIdOf(5), 'SUSPENDED', 'typo: meant to leave it pending');
  await progress('releasing');
  const rejected = await repos.licenses.get(licenseIdOf(5));
  log(`  LIC-H20-0006 statusError: ${String(rejected?.statusError ?? '(none)')}`);
  log('Admin: sets LIC-H20-0006 back to PENDING, then suspends LIC-H20-0002 (investigation opened).');
  await edit(licenseIdOf(5), 'PENDING', 'corrected');
  await edit(licenseIdOf(1), 'SUSPENDED', 'Investigation opened');
  await progress('re-holding');
}
