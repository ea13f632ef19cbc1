/**
 * Measures the handler CPU the AWS model charges (`CpuModel`, bench/model-aws/cpu.ts):
 * `npx tsx bench/model-aws/measure-cpu.ts`. Each figure is the real code's
 * synchronous and SDK work on this machine, with DynamoDB and SNS answered at
 * once by a stub HTTP handler (no network, no X-Ray), median of many calls
 * after a warm-up:
 *
 * - a release TransactWriteItems of 100 actions (98 shipments, their
 *   Inventory item, the guarded license update) through
 *   DynamoShipmentRepository.commit: pack, expressions, marshalling,
 *   serialising, SigV4 signing, parsing the answer;
 * - a History TransactWriteItems of 100 Puts (DynamoHistoryRepository.append);
 * - a single conditional PutItem of a History entry;
 * - one page of a license's held index (DynamoShipmentRepository.page): its
 *   four Queries answered with 200 shipments each, parsed and merged;
 * - one 1 MB page of `sumHeld` (1,000 items, `quantity` and `value` only);
 * - one stream batch of 1,000 release records: the Lambda event's JSON parse
 *   and shipmentRecordsOf (both images unmarshalled), then
 *   processShipmentRecords' own work (its publishing stubbed), and
 *   recordShipmentHistory's (its History append stubbed);
 * - a PublishBatch of 10 customer messages through SnsPublisher.
 *
 * A Lambda function of 1,024 MB gets about 0.6 of a vCPU (1,769 MB get one),
 * and this machine's core may be faster than Lambda's: real values are
 * likely higher. The model's defaults are these figures, rounded.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoHistoryRepository, historyPut } from '../../shared/adapters/dynamo/history-repository.js';
import { DynamoShipmentRepository } from '../../shared/adapters/dynamo/shipment-repository.js';
import { documentTranslation } from '../../shared/adapters/numbers.js';
import { SnsPublisher } from '../../shared/adapters/sns.js';
import { shipmentRecordsOf } from '../../shared/adapters/stream.js';
import { type HistoryEntry, systemDecision } from '../../shared/domain/history.js';
import { LicenseSchema, parseItem } from '../../shared/domain/model.js';
import { planRelease, roomOf } from '../../shared/domain/planning.js';
import type { OutgoingMessage, RawItem, ShipmentWrite } from '../../shared/domain/ports.js';
import { approvedGuard, parseShipments, releaseWrite } from '../../shared/engine/license-work.js';
import { processShipmentRecords, recordShipmentHistory } from '../../shared/engine/shipment-engine.js';
import { ModelAlerter } from './messaging.js';
import { approveAll, DEFAULT_CONFIG, modelWorld, seedWorkload } from './model.js';
import { storedItems } from './ports.js';

/** The answer's body, from the request's body (read only when asked) and its X-Amz-Target. */
type Answer = (body: () => string, target: string) => string;

/** A request handler that answers every call at once with `answer(request body, X-Amz-Target)`. */
function stubHandler(answer: Answer, contentType: string) {
  return {
    handle: async (request: { body?: unknown; headers: Record<string, string> }) => ({
      // An HttpResponse's fields (@smithy/protocol-http is not a direct dependency).
      response: {
        statusCode: 200,
        headers: { 'content-type': contentType },
        body: Readable.from([
          Buffer.from(
            answer(
              () => Buffer.from(request.body as string).toString(),
              request.headers['x-amz-target'] ?? '',
            ),
          ),
        ]),
      },
    }),
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function documentClient(answer: Answer): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials,
    requestHandler: stubHandler(answer, 'application/x-amz-json-1.0'),
  });
  // As functions/runtime.ts builds it (without the X-Ray capture).
  return DynamoDBDocumentClient.from(client, documentTranslation());
}

/** Median ms of `fn` over `runs` calls after `warm` calls. */
async function median(fn: () => Promise<unknown>, runs = 200, warm = 50): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** A small model workload (1 license, 3,000 shipments), released in memory: realistic items and images. */
function workload() {
  const config = { ...DEFAULT_CONFIG, shipments: 3000, licenses: 1 };
  const w = modelWorld(config);
  const { licenseIds } = seedWorkload(w, config);
  w.tables.seeding = true;
  approveAll(w, licenseIds);
  const id = licenseIds[0] as string;
  const raw = {
    ...(w.tables.get('licenses', id) as RawItem),
    appliedStatus: 'APPROVED',
    pendingWork: 'tok-1',
  };
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const held = [...storedItems(w.tables, 'shipments')];
  return { license: parsed.value, held };
}

export async function measure(): Promise<Record<string, number>> {
  const { license, held } = workload();
  const shipments = parseShipments(held);
  const at = '2026-06-01T12:00:01.000Z';
  const decision = systemDecision(undefined);
  // One Inventory item's 98 releases: one full transaction.
  const wh = shipments.filter((s) => s.warehouseId === 'WH-1').slice(0, 98);
  const writes: ShipmentWrite[] = wh.map((s) => ({ ...releaseWrite(license.licenseId, s, at), decision }));
  const guard = approvedGuard(license, 'tok-1');

  const queryAnswer = JSON.stringify({
    Items: held.slice(0, 200).map((i) => marshall(i, { removeUndefinedValues: true })),
    Count: 200,
    ScannedCount: 200,
    LastEvaluatedKey: marshall({ shipmentId: 'S', heldLicenseId: 'L#0', holdOrder: 'x' }),
  });
  const sumAnswer = JSON.stringify({
    Items: Array.from({ length: 1000 }, (_, i) => marshall({ quantity: 8 + (i % 500), value: 1000 + i })),
    Count: 1000,
    ScannedCount: 1000,
  });
  const db = documentClient((_, target) => (target.endsWith('Query') ? queryAnswer : '{}'));
  const sumDb = documentClient(() => sumAnswer);
  const repo = new DynamoShipmentRepository(db, {
    shipments: 'Shipments',
    licenses: 'Licenses',
    inventory: 'Inventory',
    history: 'History',
  });
  const sumRepo = new DynamoShipmentRepository(sumDb, { shipments: 'Shipments' });
  const history = new DynamoHistoryRepository(db, 'History');

  // Release records as the Shipments stream carries them: old image HELD, new image RELEASED.
  const byId = new Map(held.map((i) => [String(i.shipmentId), i]));
  const events = Array.from({ length: 1000 }, (_, i) => {
    const old = byId.get(String(held[i]?.shipmentId)) as RawItem;
    const next = {
      ...old,
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      releasedAt: at,
      revision: 2,
      decision,
    };
    return {
      eventID: String(i),
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall({ shipmentId: old.shipmentId }),
        OldImage: marshall(old, { removeUndefinedValues: true }),
        NewImage: marshall(next, { removeUndefinedValues: true }),
        SequenceNumber: String(1e20 + i),
        ApproximateCreationDateTime: 1780315201,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  });
  const eventJson = JSON.stringify({ Records: events });
  const records = shipmentRecordsOf(JSON.parse(eventJson));
  const noPublish = { publish: async () => new Set<string>() };
  const noHistory = { append: async () => {} };
  const engineDeps = {
    shipments: repo,
    licenses: {} as never,
    inventory: {} as never,
    alerter: new ModelAlerter({} as never),
    publisher: noPublish,
    history: noHistory,
    newToken: () => 'tok',
    now: () => new Date(at),
  };
  // The entries and messages the engine builds for these records.
  const built: { entries: HistoryEntry[]; messages: OutgoingMessage[] } = { entries: [], messages: [] };
  await recordShipmentHistory({ history: { append: async (e) => void built.entries.push(...e) } }, records);
  await processShipmentRecords(
    {
      ...engineDeps,
      publisher: {
        publish: async (topic, m) => {
          if (topic === 'customer') built.messages.push(...m);
          return new Set<string>();
        },
      },
    },
    records,
  );
  const entries = built.entries.slice(0, 100);
  const messages = built.messages.slice(0, 10);
  if (entries.length < 100 || messages.length < 10)
    throw new Error('the engine built too few entries or messages');

  const sns = new SNSClient({
    region: 'us-east-1',
    credentials,
    requestHandler: stubHandler((body) => {
      const ids = [...body().matchAll(/Id=([^&]+)/g)].map((m) => decodeURIComponent(m[1] as string));
      const ok = ids.map((id) => `<member><Id>${id}</Id><MessageId>m-${id}</MessageId></member>`).join('');
      return `<PublishBatchResponse><PublishBatchResult><Successful>${ok}</Successful><Failed/></PublishBatchResult></PublishBatchResponse>`;
    }, 'text/xml'),
  });
  const publisher = new SnsPublisher(sns, { customerShards: ['arn:aws:sns:us-east-1:1:c'], logistics: 'l' });
  // The stubs answer as DynamoDB and SNS would: everything written and published, nothing retried.
  const committed = await repo.commit(writes, guard);
  const unpublished = await publisher.publish('customer', messages);
  if (committed.committed.length !== 98 || committed.transactions !== 1 || unpublished.size > 0)
    throw new Error('a stub answer was not taken as a success');

  return {
    releaseTransaction100: await median(() => repo.commit(writes, guard)),
    historyTransaction100: await median(() => history.append(entries)),
    singlePut: await median(
      () => db.send(new PutCommand(historyPut('History', entries[0] as HistoryEntry))),
      500,
    ),
    heldPage4x200: await median(() => repo.page('held', license.licenseId, undefined, 200)),
    plan200: await median(async () =>
      planRelease(license, parseShipments(held.slice(0, 200)), roomOf(license), new Date(at)),
    ),
    // sumHeld reads each of the license's four keys: one answer each here.
    sumHeldPage1MB: (await median(() => sumRepo.sumHeld(license.licenseId), 100)) / 4,
    parse1000Records: await median(async () => shipmentRecordsOf(JSON.parse(eventJson)), 30, 5),
    notify1000Records: await median(() => processShipmentRecords(engineDeps, records), 30, 5),
    history1000Records: await median(() => recordShipmentHistory({ history: noHistory }, records), 30, 5),
    publishBatch10: await median(() => publisher.publish('customer', messages), 500),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await measure();
  for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(24)} ${v.toFixed(3)} ms\n`);
}
