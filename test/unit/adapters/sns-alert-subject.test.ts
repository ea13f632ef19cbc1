/**
 * SnsAlerter cuts an alert's subject to 99 code points, never inside a
 * character: a subject quoting an admin's raw value with an emoji at the cut
 * would otherwise keep a lone surrogate, which the SDK's query serializer
 * cannot encode (URIError: URI malformed), so every attempt would fail and the
 * stream record behind the alert would fail again and again until the DLQ.
 * A real SNS client serializes the request as on AWS.
 */
import { Readable } from 'node:stream';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { SnsAlerter } from '../../../shared/adapters/sns.js';

const OK = `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful><member><Id>m0</Id><MessageId>1</MessageId></member></Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>`;

/** A real SNS client (so the request is serialized as on AWS) whose requests never leave: each is answered OK. */
function snsClient() {
  const bodies: string[] = [];
  const client = new SNSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      async handle(request: { body?: unknown }) {
        bodies.push(String(request.body ?? ''));
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'text/xml' },
            body: Readable.from([Buffer.from(OK)]),
          },
        };
      },
    } as never,
  });
  return { client, bodies };
}

describe('SnsAlerter subjects', () => {
  it('publishes an alert whose long subject has an emoji where it is cut', async () => {
    const { client, bodies } = snsClient();
    const alerter = new SnsAlerter(client, 'arn:aws:sns:us-east-1:000000000000:ops');
    const head = 'HIGH SEVERITY: Shipment S-1: status edit HELD → ';
    // The emoji's two code units at 98 and 99: a cut at 99 keeps only the first.
    const subject = `${head}${'S'.repeat(98 - head.length)}🚚 SHIPPED rejected`;
    await expect(
      alerter.alert([{ severity: 'high', subject, message: 'body', subjectKey: { shipmentId: 'S-1' } }]),
    ).resolves.toBeUndefined();
    expect(bodies).toHaveLength(1);
  });
});
