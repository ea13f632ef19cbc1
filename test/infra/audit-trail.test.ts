/**
 * The audit trail (infra/audit-trail.ts): its data-event selectors, its
 * Object Lock bucket, log file validation, the `auditRetentionYears` and
 * `auditTrail` context values. How IAM judges the bucket policy is in
 * test/security/history-policy.test.ts.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import {
  AUDIT_BUCKET_SIDS,
  auditRetentionYears,
  auditTrailEnabled,
  DEFAULT_AUDIT_RETENTION_YEARS,
} from '../../infra/audit-trail.js';
import { ClearanceStack } from '../../infra/stack.js';
import { createResolver, STATIC_NAMING } from '../../local/iam/index.js';
import { arnOf, type Statement, type Synthesized, statementsOf, synthesize } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;
const ofType = (json: { Resources: Resources }, type: string) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

function templateWith(context: Record<string, unknown>): { Resources: Resources; Outputs: object } {
  const { app, stack } = buildApp({ skipBundling: true, validateTemplate: false, context });
  return app.synth().getStackByName(stack.stackName).template as { Resources: Resources; Outputs: object };
}

const trail = () => {
  const trails = s.template.findResources('AWS::CloudTrail::Trail');
  expect(Object.keys(trails)).toHaveLength(1);
  const [id, resource] = Object.entries(trails)[0] ?? [];
  return { id: id ?? '', ...(resource as { Properties: Record<string, unknown>; DependsOn?: string[] }) };
};
const bucketId = () => {
  const bucket = s.stack.auditTrail?.bucket;
  if (!bucket) throw new Error('the stack has no audit trail');
  return s.logicalId(bucket);
};
const bucketPolicy = (): Statement[] => {
  const policies = Object.values(s.template.findResources('AWS::S3::BucketPolicy'));
  expect(policies).toHaveLength(1);
  return statementsOf(policies[0]?.Properties.PolicyDocument);
};

describe('the trail', () => {
  it('records item reads and writes of Licenses and Shipments (and History) with an advanced selector', () => {
    const selectors = trail().Properties.AdvancedEventSelectors as {
      FieldSelectors: { Field: string; Equals?: unknown[] }[];
    }[];
    const data = selectors.filter((sel) =>
      sel.FieldSelectors.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Data')),
    );
    expect(data).toHaveLength(1);
    const fields = Object.fromEntries((data[0]?.FieldSelectors ?? []).map((f) => [f.Field, f.Equals]));
    expect(fields['resources.type']).toEqual(['AWS::DynamoDB::Table']);
    const tables = s.stack.tables;
    expect(fields['resources.ARN']).toEqual([
      arnOf(s.logicalId(tables.licenses)),
      arnOf(s.logicalId(tables.shipments)),
      arnOf(s.logicalId(tables.history)),
    ]);
    // Both kinds of data event: no readOnly field narrows the selector.
    expect(fields.readOnly).toBeUndefined();
    expect(trail().Properties.EventSelectors).toBeUndefined();
  });

  it('records the management events that change something, in every region, with global service events', () => {
    const selectors = trail().Properties.AdvancedEventSelectors as {
      FieldSelectors: { Field: string; Equals?: unknown[] }[];
    }[];
    const management = selectors.find((sel) =>
      sel.FieldSelectors.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')),
    );
    expect(management?.FieldSelectors).toContainEqual({ Field: 'readOnly', Equals: ['false'] });
    expect(selectors).toHaveLength(2);
    expect(trail().Properties).toMatchObject({
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      IsLogging: true,
    });
  });

  it('validates its log files (signed digests) and writes to the audit bucket, after its policy exists', () => {
    const t = trail();
    expect(t.Properties.EnableLogFileValidation).toBe(true);
    expect(t.Properties.S3BucketName).toEqual({ Ref: bucketId() });
    expect(t.Properties.KMSKeyId).toBeUndefined();
    const [policyId] = Object.keys(s.template.findResources('AWS::S3::BucketPolicy'));
    expect(t.DependsOn).toContain(policyId);
  });

  it('exports its ARN and bucket', () => {
    s.template.hasOutput('AuditTrailArn', {});
    s.template.hasOutput('AuditLogBucketName', { Value: { Ref: bucketId() } });
  });
});

describe('the audit bucket', () => {
  it('locks every object in COMPLIANCE mode for 6 years by default', () => {
    expect(DEFAULT_AUDIT_RETENTION_YEARS).toBe(6);
    const props = s.resource(bucketId()).Properties;
    expect(props?.ObjectLockEnabled).toBe(true);
    expect(props?.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 6 } },
    });
  });

  it('is versioned, encrypted, private, ACL-free and retained', () => {
    const bucket = s.resource(bucketId());
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies every call without TLS, and deleting any object', () => {
    const tls = bucketPolicy().find(
      (st) =>
        st.effect === 'Deny' && JSON.stringify(st.condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
    );
    expect(tls?.actions).toEqual(['s3:*']);
    const noDeletes = bucketPolicy().find((st) => st.sid === AUDIT_BUCKET_SIDS.noDeletes);
    expect(noDeletes).toMatchObject({ effect: 'Deny', principal: { AWS: '*' } });
    expect(noDeletes?.actions.sort()).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion']);
  });

  it('lets CloudTrail in only for this trail: aws:SourceArn is the ARN the trail really has', () => {
    const json = s.template.toJSON();
    const resolver = createResolver(json, STATIC_NAMING);
    const trailArn = resolver.arnOf(trail().id);
    expect(trailArn).toBe(
      `arn:aws:cloudtrail:${STATIC_NAMING.region}:${STATIC_NAMING.account}:trail/Clearance-audit-${STATIC_NAMING.region}`,
    );
    const allows = bucketPolicy().filter((st) => st.effect === 'Allow');
    expect(allows.map((st) => st.sid).sort()).toEqual([AUDIT_BUCKET_SIDS.aclCheck, AUDIT_BUCKET_SIDS.write]);
    for (const st of allows) {
      expect(st.principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(resolver.resolve(st.condition?.StringEquals?.['aws:SourceArn'])).toBe(trailArn);
    }
    const write = allows.find((st) => st.sid === AUDIT_BUCKET_SIDS.write);
    expect(write?.condition?.StringEquals?.['s3:x-amz-acl']).toBe('bucket-owner-full-control');
    expect(resolver.resolve(write?.resources[0])).toBe(
      `arn:aws:s3:::${bucketId()}/AWSLogs/${STATIC_NAMING.account}/*`,
    );
  });
});

describe('settings', () => {
  it('takes the retention in years from -c auditRetentionYears (a number or its string)', () => {
    for (const value of [8, '8']) {
      const t = templateWith({ auditRetentionYears: value });
      const [[, bucket] = []] = ofType(t, 'AWS::S3::Bucket');
      expect(bucket?.Properties?.ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 8 } },
      });
    }
  });

  it.each([0, -1, 6.5, 101, 'six', '', true])('rejects auditRetentionYears=%j', (value) => {
    expect(() => auditRetentionYears(value)).toThrow(/auditRetentionYears must be a whole number of years/);
  });

  it('leaves the trail, its bucket, its policy and its outputs out with -c auditTrail=false', () => {
    for (const value of [false, 'false']) {
      const t = templateWith({ auditTrail: value });
      for (const type of ['AWS::CloudTrail::Trail', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy'])
        expect(ofType(t, type), `${type} with auditTrail=${JSON.stringify(value)}`).toEqual([]);
      expect(Object.keys(t.Outputs)).not.toContain('AuditTrailArn');
      expect(Object.keys(t.Outputs)).not.toContain('AuditLogBucketName');
      // History keeps its own protection: the resource policy does not depend on the trail.
      const tables = ofType(t, 'AWS::DynamoDB::Table');
      expect(tables).toHaveLength(5);
      expect(tables.filter(([, r]) => r.Properties?.ResourcePolicy !== undefined)).toHaveLength(1);
    }
    expect(ofType(templateWith({ auditTrail: 'true' }), 'AWS::CloudTrail::Trail')).toHaveLength(1);
  });

  it.each(['no', 'False', 0, 'off'])('rejects auditTrail=%j rather than guessing', (value) => {
    expect(() => auditTrailEnabled(value)).toThrow(/auditTrail must be true or false/);
    expect(() => templateWith({ auditTrail: value })).toThrow(/auditTrail must be true or false/);
  });

  it('takes the stack props over the context', () => {
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], auditTrail: true, auditRetentionYears: 9 },
    });
    const off = new ClearanceStack(app, 'Off', { auditTrail: false });
    const seven = new ClearanceStack(app, 'Seven', { auditRetentionYears: 7 });
    expect(off.auditTrail).toBeUndefined();
    Template.fromStack(off).resourceCountIs('AWS::CloudTrail::Trail', 0);
    Template.fromStack(seven).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 7 } } },
    });
  });
});
