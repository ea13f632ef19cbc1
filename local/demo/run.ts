/**
 * The scenario itself, on any local stack: `npm start` plays it on a stack of
 * its own (local/demo.ts), test/integration/demo-usage.test.ts on a test
 * file's. Subscribes, seeds, waits for the backlog, acts as the admin, then
 * reads everything back into the report and its PASS/FAIL checks.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { scanAndCheck } from '../../shared/engine/invariant-checker.js';
import { mulberry32 } from '../random.js';
import type { LocalStack } from '../stack.js';
import { adminActs } from './admin.js';
import { checkLines } from './checks.js';
import { waitWithProgress } from './progress.js';
import { reportLines } from './report.js';
import type { Scenario } from './scenario.js';
import { seed, seedData } from './seed.js';
import { collect, subscribeAll } from './subscribers.js';

/**
 * The clients and repositories the scenario acts with, on `stack`. Build it
 * once the stack has set the SDK's environment (the clients are built with `{}`).
 */
export function scenarioOn(stack: LocalStack, log: (line: string) => void): Scenario {
  const r = stack.resources;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tables = {
    licenses: r.tables.licenses.name,
    shipments: r.tables.shipments.name,
    inventory: r.tables.inventory.name,
    history: r.tables.history.name,
  };
  return {
    stack,
    ddb,
    sns: new SNSClient({}),
    // Through the gateway (AWS_ENDPOINT_URL_SQS), not the queue URL's host: every client goes through it.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    tables,
    repos: {
      licenses: new DynamoLicenseRepository(ddb, tables.licenses),
      shipments: new DynamoShipmentRepository(ddb, tables),
      inventory: new DynamoInventoryRepository(ddb, tables.inventory),
      history: new DynamoHistoryRepository(ddb, tables.history),
    },
    log,
  };
}

/** What a played scenario gives: the report with its checks, and whether every check passed. */
export interface Played {
  lines: string[];
  ok: boolean;
}

async function scanAll(pages: AsyncIterable<RawItem[]>): Promise<RawItem[]> {
  const all: RawItem[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** Plays the scenario with `shipments` held shipments and the random `seed`, then reports and checks. */
export async function playScenario(
  scenario: Scenario,
  opts: { shipments: number; seed: number },
): Promise<Played> {
  const random = mulberry32(opts.seed);
  const subscribers = await subscribeAll(scenario);
  const { shipments, licenses } = seedData(opts.shipments, random);
  await seed(scenario, { shipments, licenses });
  const licenseIds = licenses.map((l) => l.licenseId);
  await waitWithProgress(scenario, subscribers, licenseIds, 'accepting the backlog');
  const acted = await adminActs(scenario, subscribers, licenseIds);

  // I1-I3, and I6 over History, on a store quiescent now (the backlog accepted, the admin's acts settled).
  const check = await scanAndCheck(scenario.repos, { quiescentAt: new Date() });
  const all = await scanAll(scenario.repos.shipments.scan());
  const history = await scanAll(scenario.repos.history.scan());
  await collect(scenario, subscribers.queues);
  const lines = await reportLines(scenario, subscribers, licenses, all, acted, history);
  const verdict = await checkLines(scenario, subscribers, check, all, acted, history);
  return { lines: [...lines, ...verdict.lines], ok: verdict.ok };
}
