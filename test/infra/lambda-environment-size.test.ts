/**
 * Every customerTopicShards value the synth accepts (1..MAX_CUSTOMER_SHARDS,
 * README "Deploy to AWS", docs/OPERATIONS.md "Quota") must also deploy. The
 * shard ARNs go, comma-separated, into CUSTOMER_TOPIC_ARNS of license-events
 * and shipment-events, and Lambda refuses a function whose environment
 * variables exceed 4 KB in aggregate (quota L-6581F036, not adjustable:
 * "Lambda was unable to configure your environment variables because the
 * environment variables you have provided exceeded the 4KB limit. String
 * measured: {…}", the JSON of the variables). CloudFormation then rolls the
 * deploy back. Sizes are measured with the intrinsics resolved to realistic
 * generated names (test/infra/resolve-template.ts), as template-lint does for
 * the other quotas.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MAX_CUSTOMER_TOPIC_SHARDS } from '../../cli/subscriptions.js';
import { buildApp } from '../../infra/app.js';
import { MAX_CUSTOMER_SHARDS } from '../../infra/topics.js';
import { resolveIntrinsics } from './resolve-template.js';

const LAMBDA_ENV_LIMIT_BYTES = 4 * 1024;
/** Each ARN is 7 bytes longer in the aws-us-gov partition than in aws, which the naming here uses. */
const PARTITION_MARGIN = 7;

describe('Lambda environment size at the largest customerTopicShards the synth accepts', () => {
  const { stack } = buildApp({
    skipBundling: true,
    validateTemplate: false,
    context: { customerTopicShards: MAX_CUSTOMER_SHARDS },
  });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: { Environment?: { Variables?: unknown } } }>;
  };

  it('gives every function an environment within the 4 KB Lambda accepts, at the most shards the synth accepts', () => {
    expect(stack.topics.customerShards).toHaveLength(MAX_CUSTOMER_SHARDS);
    const sizes = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables)
      .map(([id, r]) => [
        id,
        Buffer.byteLength(JSON.stringify(resolveIntrinsics(template, r.Properties?.Environment?.Variables))),
      ]);
    expect(sizes.length).toBe(4);
    for (const [id, bytes] of sizes) {
      expect(
        bytes,
        `${id}: Lambda allows 4 KB of environment variables in aggregate; a synth that passes must deploy`,
      ).toBeLessThanOrEqual(LAMBDA_ENV_LIMIT_BYTES - PARTITION_MARGIN * MAX_CUSTOMER_SHARDS);
    }
  });

  it("is the limit the CLI's quota advice names", () => {
    expect(MAX_CUSTOMER_TOPIC_SHARDS).toBe(MAX_CUSTOMER_SHARDS);
  });

  it('refuses one shard more at synth, naming the environment limit', () => {
    expect(() =>
      buildApp({
        skipBundling: true,
        validateTemplate: false,
        context: { customerTopicShards: MAX_CUSTOMER_SHARDS + 1 },
      }),
    ).toThrow(/customerTopicShards must be a whole number from 1 to 30 .*4 KB/);
  });
});
