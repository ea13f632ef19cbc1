import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** CDK context keys of the audit trail (`npx cdk deploy -c auditTrail=false`). */
export const AUDIT_CONTEXT = {
  /** `false` leaves the trail and its bucket out (an organization trail already records these events). */
  enabled: 'auditTrail',
  /** Whole years each log file is kept under COMPLIANCE Object Lock. */
  retentionYears: 'auditRetentionYears',
} as const;

/**
 * EAR §762.6 keeps export records for five years; one more year covers a
 * record made late in a year and the time an audit takes.
 */
export const DEFAULT_AUDIT_RETENTION_YEARS = 6;

/** S3 Object Lock accepts at most 100 years of default retention. */
const MAX_RETENTION_YEARS = 100;

/** Sids of the audit bucket's policy statements. */
export const AUDIT_BUCKET_SIDS = {
  aclCheck: 'CloudTrailAclCheck',
  write: 'CloudTrailWrite',
  noDeletes: 'DenyDeletingLogs',
} as const;

/**
 * The `auditTrail` setting: a boolean, or the strings `true`/`false` that
 * `-c auditTrail=false` passes. Undefined means on. Anything else throws.
 */
export function auditTrailEnabled(value: unknown): boolean {
  if (value === undefined || value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`${AUDIT_CONTEXT.enabled} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * The `auditRetentionYears` setting: a whole number of years, 1..100, as a
 * number (cdk.json) or its digits (`-c` passes a string). Digits only: Number()
 * would read `0x10` as 16 and `1e2` as 100 years of an Object Lock that
 * cannot be shortened.
 */
export function auditRetentionYears(value: unknown): number {
  if (value === undefined) return DEFAULT_AUDIT_RETENTION_YEARS;
  const years = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof years !== 'number' || !Number.isInteger(years) || years < 1 || years > MAX_RETENTION_YEARS) {
    throw new Error(
      `${AUDIT_CONTEXT.retentionYears} must be a whole number of years from 1 to ${MAX_RETENTION_YEARS}, got ${JSON.stringify(value)}`,
    );
  }
  return years;
}

/** Props for {@link AuditTrail}. */
export interface AuditTrailProps {
  /** Tables whose data events (item reads and writes, allowed or denied) the trail records. */
  readonly dataEventTables: readonly ITable[];
  /** Whole years each log file is kept under COMPLIANCE Object Lock. */
  readonly retentionYears: number;
}

/**
 * A multi-region CloudTrail trail of write management events and of the data
 * events of the given tables, delivering to its own bucket: versioned, Object
 * Lock in COMPLIANCE mode with a default retention in years (no principal,
 * the account root included, can delete or overwrite a log file before it
 * ends), S3-managed encryption, TLS only, public access blocked, ACLs
 * disabled, retained. Log file validation writes signed digest files.
 */
export class AuditTrail extends Construct {
  readonly bucket: Bucket;
  readonly trail: CfnTrail;
  /**
   * `<stack name>-audit-<region>`: fixed, so that the bucket policy can name
   * the trail's ARN without depending on the trail; with the region, because
   * a multi-region trail's name is taken in every region.
   */
  readonly trailName: string;
  readonly trailArn: string;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.trailName = `${stack.stackName}-audit-${stack.region}`;
    this.trailArn = stack.formatArn({
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: this.trailName,
    });
    this.bucket = this.createBucket(props.retentionYears);
    this.trail = new CfnTrail(this, 'Trail', {
      trailName: this.trailName,
      s3BucketName: this.bucket.bucketName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      advancedEventSelectors: [
        {
          name: 'Management events that change something',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Management'] },
            { field: 'readOnly', equalTo: ['false'] },
          ],
        },
        {
          name: 'Item reads and writes of the audited tables',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::DynamoDB::Table'] },
            { field: 'resources.ARN', equalTo: props.dataEventTables.map((t) => t.tableArn) },
          ],
        },
      ],
    });
    // CloudTrail checks the bucket policy when it creates the trail.
    if (this.bucket.policy) this.trail.node.addDependency(this.bucket.policy);
  }

  private createBucket(retentionYears: number): Bucket {
    const bucket = new Bucket(this, 'Bucket', {
      // SSE-S3, not KMS: the logs must stay readable for years, and a KMS key
      // can be disabled or scheduled for deletion (see SECURITY.md).
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Years, as the record-keeping rule states it, rather than the L2's days
    // (it renders only `Days`, and 6 × 365 days is not six years).
    (bucket.node.defaultChild as CfnBucket).objectLockConfiguration = {
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', years: retentionYears } },
    };
    this.addDeliveryPolicy(bucket);
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only CloudTrail log and digest files under COMPLIANCE Object Lock: no principal, ' +
        'the account root included, can delete or overwrite a version before its retention ends, and the ' +
        'signed digests of log file validation detect any change. Server access logs would need a second, ' +
        'unlocked bucket; changes to this bucket and its policy are management events the trail records.',
    });
    return bucket;
  }

  /** Lets this trail, and no other, check the ACL and write its logs; denies deleting them to everyone. */
  private addDeliveryPolicy(bucket: Bucket): void {
    const cloudTrail = new ServicePrincipal('cloudtrail.amazonaws.com');
    const thisTrail = { 'aws:SourceArn': this.trailArn };
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: AUDIT_BUCKET_SIDS.aclCheck,
        principals: [cloudTrail],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: thisTrail },
      }),
    );
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: AUDIT_BUCKET_SIDS.write,
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`AWSLogs/${Stack.of(this).account}/*`)],
        conditions: { StringEquals: { ...thisTrail, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      }),
    );
    // Object Lock already keeps every version; this also stops delete markers
    // that would hide the current version from a plain listing.
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: AUDIT_BUCKET_SIDS.noDeletes,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
  }
}
