import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnResource, type Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { HistoryTable } from './history.js';

/** Repository root, resolved from this file so synth works from any cwd. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * CloudFormation metadata key on each AWS::Lambda::Function naming its entry
 * module relative to the repository root (e.g. `functions/license-events.ts`).
 * The local stack reads it to load the handler without bundling.
 */
export const ENTRY_METADATA_KEY = 'clearance:entry';

/** The Powertools metrics namespace every function reports to. */
export const METRICS_NAMESPACE = 'Clearance';

/** Props for {@link ClearanceFunction}. */
export interface ClearanceFunctionProps {
  /** Module path relative to the repository root, e.g. `functions/license-events.ts`. */
  readonly entry: string;
  /** Service name for Powertools (logs, metrics, traces). */
  readonly serviceName: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Hard limit of one invocation. */
  readonly timeout: Duration;
  /**
   * Memory (and so CPU) of the function.
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables. Table and topic variables come from
   * {@link ClearanceFunction.bindTable} and {@link ClearanceFunction.bindTopicPublish}.
   *
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Access a function gets to a table, as the actions its adapters call and
 * no others (not CDK's read set, whose Scan, ConditionCheckItem and
 * DescribeTable no function needs: a Scan would read every item, SHIPPED and
 * CANCELLED shipments included):
 * - `readUpdate`: GetItem, BatchGetItem and Query (on the table and its
 *   GSIs), and UpdateItem, which a TransactWriteItems `Update` needs too;
 * - `readUpdateTable`: the same on the table alone, none of its GSIs (for a
 *   function that reads the table by key and never queries an index);
 * - `scanUpdate`: the same and Scan (license-clock reads every license each
 *   minute);
 * - `queryIndexes`: Query on the table's GSIs and nothing on the table itself.
 * No function creates or deletes a license, shipment or Inventory item, so
 * none is granted PutItem, DeleteItem or BatchWriteItem (their UpdateItems
 * are conditional on the item existing: UpdateItem alone would create a
 * missing one).
 */
export type TableAccess =
  | 'readUpdate'
  | 'readUpdateTable'
  | 'scanUpdate'
  | 'queryIndexes'
  | 'queryUpdateDelete';

/** What `readUpdate` and `readUpdateTable` grant; `scanUpdate` adds Scan. */
const READ_UPDATE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

/**
 * A NodejsFunction with the project's defaults: newest Node.js runtime on
 * arm64, ESM bundle with source maps, X-Ray, its own log group and a role that
 * starts empty. Access is added with the bind* methods, each of which grants
 * and sets the matching environment variable in one call.
 */
export class ClearanceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ClearanceFunctionProps) {
    super(scope, id);

    // A role without AWSLambdaBasicExecutionRole: that managed policy allows
    // logs:CreateLogGroup/PutLogEvents on every log group of the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `clearance ${props.serviceName}`,
    });

    // An explicit log group instead of the deprecated `logRetention`, which
    // deploys an extra custom-resource Lambda. Retained so that deleting the
    // stack does not erase the last month of decisions; the retention expires it.
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // Bundled ESM still meets CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the SDK version the tests ran against rather than whatever the
        // runtime image carries this week.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    (this.fn.node.defaultChild as CfnResource).addMetadata(ENTRY_METADATA_KEY, props.entry);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) only accept ' +
        'Resource "*": X-Ray has no resource-level permissions.',
    });
  }

  /**
   * Grants `access` to `table` and sets `envName` to its name.
   * On a table with GSIs every access but `readUpdateTable` also covers
   * `<table>/index/*`, which is what lets the function query them; that
   * finding is acknowledged here, per table, only where the grant makes it.
   */
  bindTable(table: Table, envName: string, access: TableAccess): void {
    const cfnTable = table.node.defaultChild as CfnTable;
    const indexes: unknown = Stack.of(this).resolve(cfnTable.globalSecondaryIndexes);
    const hasIndexes = Array.isArray(indexes) && indexes.length > 0;
    if (access === 'queryIndexes') {
      if (!hasIndexes) throw new Error(`${table.node.path} has no GSI to query`);
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }),
      );
    } else if (access === 'readUpdateTable') {
      // Not Table.grant, which adds <table>/index/* to any grant on a table with GSIs.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: READ_UPDATE_ACTIONS, resources: [table.tableArn] }),
      );
    } else if (access === 'queryUpdateDelete') {
      // The Tallies table: read a license's items, add to them in transactions, delete them once sent.
      table.grant(this.fn, 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    } else {
      const scan = access === 'scanUpdate' ? ['dynamodb:Scan'] : [];
      // Table.grant covers the table and, when it has GSIs, <table>/index/*.
      table.grant(this.fn, ...READ_UPDATE_ACTIONS, ...scan);
    }
    this.fn.addEnvironment(envName, table.tableName);

    if (hasIndexes && access !== 'readUpdateTable') {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(cfnTable)}.Arn>/index/*]`,
        reason:
          `Queries the GSIs of the ${table.node.id} table. DynamoDB has no ARN naming all indexes of a ` +
          'table other than <table>/index/*; the grant covers that table and nothing wider.',
      });
    }
  }

  /**
   * Lets the function append to History (PutItem on the table, which a
   * TransactWriteItems `Put` needs; nothing else: no read, no index, no
   * update, delete or batch write) and sets `envName` to its name. The
   * table's resource policy denies PutItem to every role not bound here.
   */
  bindHistory(history: HistoryTable, envName: string): void {
    history.addWriter(this.role);
    this.fn.addEnvironment(envName, history.tableName);
  }

  /**
   * Allows sns:Publish (and so PublishBatch) on `topic` and sets `envName` to
   * its ARN. Written out instead of `topic.grantPublish`, which on an encrypted
   * topic adds the wildcard action `kms:GenerateDataKey*`: SNS needs exactly
   * kms:GenerateDataKey and kms:Decrypt on the topic's key from a publisher,
   * and only through SNS (`kms:ViaService` is `sns.<region>.amazonaws.com`
   * when SNS uses the key with the publisher's credentials), so the function
   * cannot call KMS with the key itself.
   */
  bindTopicPublish(topic: ITopic, envName: string): void {
    this.bindTopicsPublish([topic], envName);
  }

  /**
   * Grants publish on several topics (e.g. the customer topic shards) and sets
   * `envName` to their ARNs, comma-separated, in order.
   */
  bindTopicsPublish(topics: readonly ITopic[], envName: string): void {
    const viaSns = `sns.${Stack.of(this).region}.amazonaws.com`;
    for (const topic of topics) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
      );
      if (topic.masterKey) {
        this.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: [topic.masterKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': viaSns } },
          }),
        );
      }
    }
    const arns = topics.map((t) => t.topicArn);
    this.fn.addEnvironment(envName, arns.length === 1 ? (arns[0] ?? '') : Fn.join(',', arns));
  }
}
