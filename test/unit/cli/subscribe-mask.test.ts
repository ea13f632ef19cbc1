import { ListSubscriptionsByTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { subscribeCustomer, subscribeLogistics } from '../../../cli/commands/subscribe.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import { stubCliContext } from '../../helpers/cli.js';

const ACCOUNT = '123456789012';
const topic = (name: string) => `arn:aws:sns:eu-west-1:${ACCOUNT}:${name}`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:Clearance-SubscriptionDlq`;
const resources = parseStackFile(
  JSON.stringify({
    region: 'eu-west-1',
    tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
    topics: { customer: topic('Customer'), logistics: topic('Logistics'), ops: topic('Ops') },
    dlqs: {
      licenseEvents: 'https://q/l',
      shipmentEvents: 'https://q/s',
      shipmentHistory: 'https://q/h',
      subscriptions: { url: 'https://q/sub', arn: DLQ_ARN },
    },
  }),
  'test',
);

function context(json: boolean) {
  const sns = {
    async send(command: unknown) {
      if (command instanceof ListSubscriptionsByTopicCommand) return { Subscriptions: [] };
      if (command instanceof SubscribeCommand)
        return { SubscriptionArn: `${command.input.TopicArn}:new-sub` };
      throw new Error(`unexpected SNS command ${command?.constructor.name}`);
    },
  };
  return stubCliContext({ resources, clients: { sns, sqs: {} }, json });
}

const ADDRESS = 'buyer@acme.example';

// `subscribe` masks the address it subscribed, in text and in --json, as `subscriptions list`,
// `unsubscribe` and every error do (showEndpoint / maskEmail): no personal data in output or logs.
describe('subscribe masks the email address it subscribed', () => {
  it.each([false, true])('customer email subscription (json=%s) prints no full address', async (json) => {
    const { ctx, out, err } = context(json);
    await subscribeCustomer(ctx, { customer: 'CUST-ACME', protocol: 'email', endpoint: ADDRESS });
    const printed = [...out, ...err].join('\n');
    expect(printed).toContain('b***@acme.example');
    expect(printed).not.toContain(ADDRESS);
  });

  it('logistics email subscription prints no full address', async () => {
    const { ctx, out, err } = context(false);
    await subscribeLogistics(ctx, { warehouse: 'WH-AMS-1', protocol: 'email', endpoint: 'dock@example.com' });
    expect([...out, ...err].join('\n')).not.toContain('dock@example.com');
  });
});
