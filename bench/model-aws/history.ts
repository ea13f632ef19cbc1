/**
 * History in the AWS model, through the product's own adapter
 * (DynamoHistoryRepository: transactions of up to 100 conditional puts,
 * APPEND_CONCURRENCY at once; once a transaction is throttled on a license's
 * entries, that license's entries as single conditional PutItems,
 * SINGLE_PUT_CONCURRENCY at once, for HOT_FOR_MS; its jittered pauses, and
 * its patience with throttled writes, THROTTLED_PATIENCE_MS of an append,
 * after which the append names the entries it did not write and the stream
 * reads their records again), with SimDynamo in place of `db.send` (see
 * {@link historyClient}). Entries are counted rather than kept: 1,000,000 of
 * them would only cost memory, and nothing in the model reads them. Every
 * entry of a license has the same partition key (the data contract:
 * `licenseId`, sort key `entryId`, which starts with the commit time), so the
 * key is hot: 2 WCU per entry in a transaction, 1 as a single put, 1,000
 * WCU/s; the History table's budget applies too. Each shard's function
 * instance has its own adapter (`instance()`), so each learns on its own
 * which keys are hot. The SDK's own retries before the adapter sees an error
 * are not modelled.
 */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoHistoryRepository, isCancelledBy } from '../../shared/adapters/dynamo/history-repository.js';
import { type HistoryEntry, historyKey } from '../../shared/domain/history.js';
import type { HistoryRepository } from '../../shared/domain/ports.js';
import { type HotUse, type SimDynamo, tableUse } from './dynamo.js';
import { DEFAULT_SIZES, type ItemSizes } from './ports.js';

export class CountingHistory {
  entries = 0;
  transactions = 0;
  /** Entries written as single PutItems (after a throttled transaction). */
  singlePuts = 0;
  /** Transactions and single puts throttled. */
  throttled = 0;
  /** History TransactWriteItems' time in flight, summed (ms), committed or not. */
  transactionMs = 0;
  /** Table contents, by key (shared by every instance). */
  readonly seen = new Set<string>();
  constructor(
    readonly sim: SimDynamo,
    readonly sizes: ItemSizes = DEFAULT_SIZES,
  ) {}

  /** The adapter of one function instance. */
  instance(): HistoryRepository {
    return new DynamoHistoryRepository(historyClient(this), 'History');
  }

  written(keys: readonly string[]): void {
    for (const k of keys) this.seen.add(k);
    this.entries += keys.length;
  }
}

/** What writing one of a license's History entries costs: its History key and the History table. */
export const historyUse = (licenseId: string, sizes: ItemSizes, perKb: number): HotUse[] => [
  { key: `history/${licenseId}`, wcu: perKb * Math.max(1, Math.ceil(sizes.historyKb)) },
  tableUse('history', sizes.historyKb, perKb),
];

/**
 * The document client the History adapter sends through, on SimDynamo: a
 * TransactWriteItems of Puts is one `transact` whose actions are the entries
 * (condition: not there yet; 2 WCU/KB on the license's History key), after
 * the CPU of building it; a PutItem is one `put` (1 WCU/KB), answered as
 * DynamoDB answers: ProvisionedThroughputExceededException when the key is
 * over its budget, ConditionalCheckFailedException when the entry is there,
 * TransactionConflictException when a transaction holds it.
 */
function historyClient(table: CountingHistory): DynamoDBDocumentClient {
  const { sim, sizes } = table;
  const cpu = sim.model.cpu;
  const client = {
    async send(command: unknown): Promise<unknown> {
      if (command instanceof TransactWriteCommand) {
        const entries = (command.input.TransactItems ?? []).map((t) => t.Put?.Item as HistoryEntry);
        await sim.cpu((cpu.historyTxMs * entries.length) / 100);
        const began = sim.clock.now();
        try {
          await sim.transact(
            entries.map((e) => ({
              item: `history/${historyKey(e)}`,
              check: () => !table.seen.has(historyKey(e)),
              hot: historyUse(e.licenseId, sizes, 2),
            })),
          );
        } catch (error) {
          if (isCancelledBy(error, 'ThrottlingError')) table.throttled++;
          throw error;
        } finally {
          table.transactionMs += sim.clock.now() - began;
        }
        table.transactions++;
        table.written(entries.map(historyKey));
        return {};
      }
      if (command instanceof PutCommand) {
        const e = command.input.Item as HistoryEntry;
        await sim.cpu(cpu.singleWriteMs);
        if (!(await sim.put(`history/${historyKey(e)}`, historyUse(e.licenseId, sizes, 1)))) {
          table.throttled++;
          throw new ProvisionedThroughputExceededException({
            message: 'The level of configured provisioned throughput for the table was exceeded',
            $metadata: {},
          });
        }
        if (table.seen.has(historyKey(e)))
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        table.singlePuts++;
        table.written([historyKey(e)]);
        return {};
      }
      throw new Error(`the model's History client does not serve ${(command as object).constructor.name}`);
    },
  };
  return client as unknown as DynamoDBDocumentClient;
}
