import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { RawItem, TallyRepository } from '../../domain/ports.js';
import { isConditionFailure } from './transactions.js';

/**
 * DynamoDB implementation of the Tallies port (license events' digests,
 * shared/domain/event-tally.ts): key `licenseId` and `event`. Transactions
 * add to a tally through DynamoShipmentRepository.commit.
 */
export class DynamoTallyRepository implements TallyRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(licenseId: string): Promise<RawItem[]> {
    const items: RawItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#l = :l',
          ExpressionAttributeNames: { '#l': 'licenseId' },
          ExpressionAttributeValues: { ':l': licenseId },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as RawItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async remove(licenseId: string, event: string, transactions: number): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { licenseId, event },
          ConditionExpression: '#t = :t',
          ExpressionAttributeNames: { '#t': 'transactions' },
          ExpressionAttributeValues: { ':t': transactions },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
