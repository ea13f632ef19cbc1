/**
 * Creates the template's tables, topics, queues and subscriptions on the local
 * services, under a name prefix, and resolves each function's environment to
 * the local names, ARNs and URLs.
 *
 * The parts, in local/resources/: types.ts (what is created, as plain data),
 * tables.ts, messaging.ts (topics, queues, subscriptions), functions.ts
 * (names, environments, bundles), resolve.ts (Ref/GetAtt/Join to local
 * values), clearance.ts (clearance's tables, topics and DLQs among them),
 * clients.ts (clients of the services themselves).
 */
import { clearanceResources } from './resources/clearance.js';
import { destroyClients, localClients } from './resources/clients.js';
import { functionNamesOf, resolveFunctions } from './resources/functions.js';
import { createQueues, createSubscriptions, createTopics } from './resources/messaging.js';
import { localResolver } from './resources/resolve.js';
import { createTables } from './resources/tables.js';
import { type CreateResourcesOptions, LocalResourceError, type LocalResources } from './resources/types.js';
import type { ServiceEndpoints } from './services.js';
import type { StackModel } from './template.js';

export { destroyClients, type LocalClients, localClients } from './resources/clients.js';
export { bundleFileOf } from './resources/functions.js';
export {
  type ClearanceDlqs,
  type ClearanceTables,
  type ClearanceTopics,
  type CreateResourcesOptions,
  type FunctionResource,
  LOCAL_ACCOUNT_ID,
  LocalResourceError,
  type LocalResources,
  type QueueResource,
  type TableResource,
  type TopicResource,
} from './resources/types.js';

/** Resource types of the template the local stack leaves out, and why. */
const NOT_EMULATED: Readonly<Record<string, string>> = {
  'AWS::CloudTrail::Trail': 'not emulated: no audit log is written locally',
  'AWS::S3::Bucket': 'not emulated (no S3 locally): nothing is written to it',
  'AWS::S3::BucketPolicy': 'not emulated (no S3 locally)',
};

/** Notes on what of the model the local services do not do. */
function notEmulated(model: StackModel): string[] {
  const skipped = new Set(model.skippedByCondition);
  const resources = Object.entries(model.resourceTypes).flatMap(([id, type]) => {
    const why = NOT_EMULATED[type];
    return why === undefined || skipped.has(id) ? [] : [`${id} (${type}): ${why}`];
  });
  const policies = model.tables
    .filter((t) => t.hasResourcePolicy)
    .map(
      (t) =>
        `${t.logicalId}: its resource policy is judged by the gateway for the functions and role sessions; ` +
        'DynamoDB Local does not enforce it, so outside clients (admins, tests) are not held to it',
    );
  return [...resources, ...policies];
}

/**
 * Creates every table, topic, queue and subscription of the model on the
 * local services under `options.prefix`, and resolves function environments.
 *
 * @throws {LocalResourceError} on an unresolvable reference, an unsupported
 *   subscription protocol, or when the clearance tables / topics / DLQs
 *   cannot be identified.
 */
export async function createResources(
  model: StackModel,
  endpoints: ServiceEndpoints,
  options: CreateResourcesOptions,
): Promise<LocalResources> {
  const prefix = options.prefix;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
    throw new LocalResourceError(`prefix must be 1-40 of [A-Za-z0-9_-], got ${JSON.stringify(prefix)}`);
  }
  const region = endpoints.region;
  const clients = localClients(endpoints);
  try {
    // DynamoDB Local and fauxqs are separate services: their resources are created at once.
    const [tablesByLogicalId, topicsByLogicalId, queuesByLogicalId] = await Promise.all([
      createTables(clients.dynamodb, model.tables, prefix, region),
      createTopics(clients.sns, model.topics, prefix),
      createQueues(clients.sqs, model.queues, prefix),
    ]);
    const functionNames = functionNamesOf(model.functions, prefix, region);
    const resolve = localResolver({
      region,
      prefix,
      model,
      tablesByLogicalId,
      topicsByLogicalId,
      queuesByLogicalId,
      functionNames,
    });
    const functionsByLogicalId = resolveFunctions(
      model.functions,
      functionNames,
      resolve,
      options.assemblyDir,
    );
    const subscriptions = await createSubscriptions(clients.sns, model.subscriptions, resolve);
    const notes = [
      ...subscriptions.notes,
      ...model.skippedByCondition.map((id) => `${id}: skipped, its Condition is false`),
      ...(model.topics.length > 0 ? ['topic KMS encryption is not emulated'] : []),
      ...notEmulated(model),
    ];
    const created = { tablesByLogicalId, topicsByLogicalId, queuesByLogicalId };
    return {
      prefix,
      region,
      ...clearanceResources(model, created),
      tablesByLogicalId,
      topicsByLogicalId,
      queuesByLogicalId,
      functionsByLogicalId,
      subscriptions: subscriptions.created,
      notes,
    };
  } finally {
    destroyClients(clients);
  }
}
