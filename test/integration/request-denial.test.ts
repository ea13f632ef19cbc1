/**
 * A grant removed from the template is caught locally: the request it allowed
 * is refused at the stack's gateway, as AWS would refuse it, and the report
 * names the function, the action, the resource and what is missing.
 */
import { expect, it } from 'vitest';
import type { CfnTemplate } from '../../local/template.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { sleep } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

let removed = 0;

/** Takes the ops topic out of shipment-events' sns:Publish grant. */
function withoutOpsPublishGrant(template: CfnTemplate): void {
  const resources = template.Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const ops = Object.keys(resources).find(
    (id) => id.startsWith('TopicsOpsTopic') && resources[id]?.Type === 'AWS::SNS::Topic',
  );
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !id.startsWith('ShipmentEventsRole')) continue;
    for (const st of (r.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
      .Statement) {
      if (st.Action !== 'sns:Publish' || !Array.isArray(st.Resource)) continue;
      const granted: unknown[] = st.Resource;
      const before = granted.length;
      const kept = granted.filter((x) => JSON.stringify(x) !== JSON.stringify({ Ref: ops }));
      st.Resource = kept;
      removed += before - kept.length;
    }
  }
}

const local = useLocalStack({
  editTemplate: withoutOpsPublishGrant,
  expectDenials: true,
  functionLogs: () => undefined,
  log: () => undefined,
  mappingOverrides: { shipments: { maximumRetryAttempts: 0 } },
});
const s = adminConsole(local);

it("refuses shipment-events' ops alert once its publish grant on the ops topic is gone, naming what is missing", async () => {
  expect(removed, 'the ops topic publish grant of shipment-events was in the template').toBe(1);
  await s.putInventory(anInventory());
  const license = aLicense({ licenseId: 'LIC-NOGRANT', status: 'PENDING' });
  await s.putLicense(license);
  const shipment = aShipmentFor(license, { quantity: 5 });
  await s.putShipments([shipment]);
  await local.drain();
  expect(local.stack.requests().denied).toEqual([]);

  // HELD → SHIPPED: shipment-events rejects it and alerts ops, which its role may no longer do.
  await s.setShipmentStatus(shipment.shipmentId, 'SHIPPED');
  for (let i = 0; i < 200 && local.stack.requests().denied.length === 0; i++) await sleep(50);
  const [first, ...rest] = local.stack.requests().denied;
  expect(rest).toEqual([]);
  expect(first).toMatchObject({
    caller: 'shipment-events',
    action: 'sns:Publish',
    resource: local.resources.topics.ops.arn,
  });
  expect(first?.explanation).toMatch(/no identity policy .* allows/);
  expect(local.stack.refusals()).toContainEqual(
    expect.objectContaining({ kind: 'permission', caller: 'shipment-events', operation: 'PublishBatch' }),
  );
});
