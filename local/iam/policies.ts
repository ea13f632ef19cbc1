/**
 * Every policy of a synthesized template, resolved to plain strings and
 * indexed the way AWS looks them up: identity policies by role, resource
 * policies by the ARN of their resource.
 */
import type { CfnTemplate } from '../template.js';
import {
  awsManagedKeyArn,
  awsManagedKeyPolicy,
  DEFAULT_KEY_POLICY,
  lambdaPermissionStatement,
} from './aws-policies.js';
import type { ResourceLookup } from './requests.js';
import { type Resolver, resolveDeep } from './resolver.js';

/** A policy document with every intrinsic resolved. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** A policy and where it comes from. */
export interface NamedPolicy {
  /** Where the policy is defined, e.g. `LicenseEventsRoleDefaultPolicy9A3FE7A3` or `MyRole.Policies[inline]`. */
  source: string;
  document: PolicyDocument;
}

/** The kinds of resource policy AWS evaluates for this stack's resources. */
export type ResourcePolicyKind =
  | 'topic policy'
  | 'queue policy'
  | 'key policy'
  | 'function policy'
  | 'table policy'
  | 'stream policy'
  | 'bucket policy'
  | 'trust policy';

/** A resource policy, with the resource it guards. */
export interface ResourcePolicy extends NamedPolicy {
  kind: ResourcePolicyKind;
  /** Logical id of the guarded resource, or the alias of an AWS-managed key. */
  owner: string;
}

/** The template holds a policy the index cannot read faithfully. */
export class PolicyIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyIndexError';
  }
}

type Res = { Type?: string; Properties?: Record<string, unknown> };
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const refId = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null && 'Ref' in v ? String((v as { Ref: unknown }).Ref) : undefined;
const getAttId = (v: unknown): string | undefined => {
  const g = typeof v === 'object' && v !== null ? (v as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'] : undefined;
  return Array.isArray(g) ? String(g[0]) : undefined;
};

/** Identity and resource policies of a template, and which resource uses which key or role. */
export class PolicyIndex implements ResourceLookup {
  private readonly identity = new Map<string, NamedPolicy[]>();
  private readonly resources = new Map<string, ResourcePolicy>();
  private readonly keys = new Map<string, string>();
  private readonly functionRoles = new Map<string, string>();
  private readonly tablesByName = new Map<string, string>();
  private readonly queuesByUrl = new Map<string, string>();

  private constructor(private readonly resolver: Resolver) {}

  /**
   * Reads every policy of `template`. Throws for what it cannot judge
   * faithfully: a {@link PolicyIndexError} for a managed policy that is not in
   * the template, a permissions boundary, two topic or queue policies on one
   * resource or an unknown key reference; an `UnmodelledPermissionError` for
   * a Lambda permission property it does not model.
   */
  static fromTemplate(template: CfnTemplate, resolver: Resolver): PolicyIndex {
    const index = new PolicyIndex(resolver);
    const all = (template.Resources ?? {}) as Record<string, Res>;
    const ofType = (type: string) => Object.entries(all).filter(([, r]) => r.Type === type);
    const doc = (v: unknown, where: string) => {
      const d = resolveDeep(v, resolver, where) as PolicyDocument;
      return { ...d, Statement: list(d.Statement) as Record<string, unknown>[] };
    };
    const roleIds = ofType('AWS::IAM::Role').map(([id]) => id);
    const roleByName = new Map(roleIds.map((id) => [resolver.resolve({ Ref: id }, id), id]));
    const roleByArn = new Map(roleIds.map((id) => [resolver.arnOf(id), id]));
    for (const id of roleIds) index.identity.set(id, []);
    const attach = (roles: unknown, policy: NamedPolicy) => {
      for (const r of list(roles)) {
        const id = refId(r) ?? roleByName.get(resolver.resolve(r, policy.source));
        if (id !== undefined) index.identity.get(id)?.push(policy);
      }
    };
    const managed = new Map<string, NamedPolicy>();
    for (const [id, r] of ofType('AWS::IAM::ManagedPolicy')) {
      const policy = { source: id, document: doc(r.Properties?.PolicyDocument, id) };
      managed.set(resolver.arnOf(id), policy);
      attach(r.Properties?.Roles, policy);
    }
    for (const [id, r] of ofType('AWS::IAM::Policy'))
      attach(r.Properties?.Roles, { source: id, document: doc(r.Properties?.PolicyDocument, id) });
    for (const [id, r] of ofType('AWS::IAM::Role')) {
      const p = r.Properties ?? {};
      for (const inline of list(p.Policies) as { PolicyName?: unknown; PolicyDocument?: unknown }[]) {
        const source = `${id}.Policies[${resolver.resolve(inline.PolicyName, id)}]`;
        index.identity.get(id)?.push({ source, document: doc(inline.PolicyDocument, source) });
      }
      for (const m of list(p.ManagedPolicyArns)) {
        const arn = resolver.resolve(m, `${id}.ManagedPolicyArns`);
        const found = managed.get(arn);
        if (!found)
          throw new PolicyIndexError(
            `role ${id} attaches the managed policy ${arn}, which is not in the template: its statements cannot be judged`,
          );
        if (!index.identity.get(id)?.includes(found)) index.identity.get(id)?.push(found);
      }
      if (p.PermissionsBoundary !== undefined)
        throw new PolicyIndexError(
          `role ${id} has a permissions boundary, which the evaluator does not model`,
        );
      index.addResource(resolver.arnOf(id), 'trust policy', id, id, doc(p.AssumeRolePolicyDocument, id));
    }
    for (const [id, r] of ofType('AWS::SNS::TopicPolicy'))
      for (const t of list(r.Properties?.Topics))
        index.addResource(
          resolver.resolve(t, id),
          'topic policy',
          refId(t) ?? '?',
          id,
          doc(r.Properties?.PolicyDocument, id),
        );
    for (const [id, r] of ofType('AWS::SQS::Queue')) {
      index.queuesByUrl.set(resolver.resolve({ Ref: id }, id), resolver.arnOf(id));
      const key = index.keyArnOf(r.Properties?.KmsMasterKeyId, 'sqs', all, `${id}.KmsMasterKeyId`);
      if (key) index.keys.set(resolver.arnOf(id), key);
    }
    for (const [id, r] of ofType('AWS::SQS::QueuePolicy'))
      for (const q of list(r.Properties?.Queues)) {
        const arn = index.queueArn(resolver.resolve(q, id));
        index.addResource(arn, 'queue policy', refId(q) ?? '?', id, doc(r.Properties?.PolicyDocument, id));
      }
    for (const [id, r] of ofType('AWS::SNS::Topic')) {
      const key = index.keyArnOf(r.Properties?.KmsMasterKeyId, 'sns', all, `${id}.KmsMasterKeyId`);
      if (key) index.keys.set(resolver.arnOf(id), key);
    }
    for (const [id, r] of ofType('AWS::KMS::Key')) {
      const policy = r.Properties?.KeyPolicy ?? DEFAULT_KEY_POLICY(resolver.account);
      index.addResource(resolver.arnOf(id), 'key policy', id, id, doc(policy, id));
    }
    index.addStorePolicies(ofType, doc);
    for (const [id, r] of ofType('AWS::Lambda::Function')) {
      const role =
        roleByArn.get(resolver.resolve(r.Properties?.Role, `${id}.Role`)) ?? getAttId(r.Properties?.Role);
      if (role === undefined || !roleIds.includes(role))
        throw new PolicyIndexError(`function ${id} runs as a role that is not in the template`);
      index.functionRoles.set(id, role);
    }
    index.addLambdaPermissions(ofType('AWS::Lambda::Permission'), ofType('AWS::Lambda::Function'));
    return index;
  }

  /** Identity policies attached to a role of the template. */
  identityPolicies(roleLogicalId: string): readonly NamedPolicy[] {
    const found = this.identity.get(roleLogicalId);
    if (!found) throw new PolicyIndexError(`no role ${roleLogicalId} in the template`);
    return found;
  }

  /**
   * The resource policy AWS evaluates for `arn`: a topic, queue, key, function,
   * table (also for its indexes), stream, bucket (also for its objects) or
   * role (its trust policy). Undefined
   * when the resource has none. A topic without an `AWS::SNS::TopicPolicy`
   * keeps the SNS default policy, which is not modelled: it is judged by
   * identity policies alone, and a service principal is denied.
   */
  resourcePolicy(arn: string): ResourcePolicy | undefined {
    return (
      this.resources.get(arn) ??
      this.resources.get(arn.replace(/^(arn:[^:]*:dynamodb:.*:table\/[^/]+)\/index\/.*$/, '$1')) ??
      this.resources.get(arn.replace(/^(arn:[^:]*:s3:::[^/]+)\/.*$/, '$1'))
    );
  }

  /** KMS key ARN of a topic of the template, when it is encrypted. */
  topicKeyArn(topicArn: string): string | undefined {
    return this.keys.get(topicArn);
  }

  /** KMS key ARN of a queue of the template, when it is encrypted with KMS. */
  queueKeyArn(queueArn: string): string | undefined {
    return this.keys.get(queueArn);
  }

  /** The role logical id a function of the template runs as. */
  roleOfFunction(functionLogicalId: string): string {
    const role = this.functionRoles.get(functionLogicalId);
    if (role === undefined) throw new PolicyIndexError(`no function ${functionLogicalId} in the template`);
    return role;
  }

  /** The function of the template whose execution role this is, if any. */
  functionOfRole(roleLogicalId: string): string | undefined {
    for (const [fn, role] of this.functionRoles) if (role === roleLogicalId) return fn;
    return undefined;
  }

  /** Table ARN from a table name or ARN; a name outside the template gets the ARN AWS would give it. */
  tableArn(tableNameOrArn: string): string {
    if (tableNameOrArn.startsWith('arn:')) return tableNameOrArn;
    const { region, account } = this.resolver;
    return (
      this.tablesByName.get(tableNameOrArn) ?? `arn:aws:dynamodb:${region}:${account}:table/${tableNameOrArn}`
    );
  }

  /** Queue ARN from a queue URL (`…/<account>/<name>`). */
  queueArn(queueUrl: string): string {
    const known = this.queuesByUrl.get(queueUrl);
    if (known) return known;
    const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
    if (!account || !name) throw new PolicyIndexError(`not a queue URL: ${queueUrl}`);
    return `arn:aws:sqs:${this.resolver.region}:${account}:${name}`;
  }

  /** Tables (and their streams' policies) and buckets: names, and the resource policies of both. */
  private addStorePolicies(
    ofType: (type: string) => [string, Res][],
    doc: (v: unknown, where: string) => PolicyDocument,
  ): void {
    const resolver = this.resolver;
    for (const [id, r] of ofType('AWS::DynamoDB::Table')) {
      const p = r.Properties ?? {};
      this.tablesByName.set(resolver.resolve({ Ref: id }, id), resolver.arnOf(id));
      const table = p.ResourcePolicy as { PolicyDocument?: unknown } | undefined;
      if (table) this.addResource(resolver.arnOf(id), 'table policy', id, id, doc(table.PolicyDocument, id));
      const stream = (p.StreamSpecification as { ResourcePolicy?: { PolicyDocument?: unknown } } | undefined)
        ?.ResourcePolicy;
      if (stream) {
        const arn = resolver.resolve({ 'Fn::GetAtt': [id, 'StreamArn'] }, id);
        this.addResource(arn, 'stream policy', id, id, doc(stream.PolicyDocument, id));
      }
    }
    for (const [id, r] of ofType('AWS::S3::BucketPolicy')) {
      const bucket = r.Properties?.Bucket;
      const arn = `arn:aws:s3:::${resolver.resolve(bucket, `${id}.Bucket`)}`;
      this.addResource(arn, 'bucket policy', refId(bucket) ?? '?', id, doc(r.Properties?.PolicyDocument, id));
    }
  }

  private addResource(
    arn: string,
    kind: ResourcePolicyKind,
    owner: string,
    source: string,
    document: PolicyDocument,
  ) {
    const existing = this.resources.get(arn);
    if (existing && kind !== 'function policy')
      throw new PolicyIndexError(
        `${arn} has two ${kind}s, ${existing.source} and ${source}: AWS keeps only one`,
      );
    this.resources.set(arn, { kind, owner, source, document });
  }

  private keyArnOf(
    value: unknown,
    service: string,
    all: Record<string, Res>,
    where: string,
  ): string | undefined {
    if (value === undefined) return undefined;
    const r = this.resolver;
    const key = r.resolve(value, where);
    if (key === `alias/aws/${service}`) {
      const arn = awsManagedKeyArn(service, r);
      if (!this.resources.has(arn))
        this.addResource(arn, 'key policy', key, key, awsManagedKeyPolicy(service, r));
      return arn;
    }
    if (key.startsWith('arn:aws:kms:') && key.includes(':key/')) return key;
    for (const [id, res] of Object.entries(all)) {
      if (res.Type === 'AWS::KMS::Key' && r.resolve({ Ref: id }, id) === key) return r.arnOf(id);
      if (res.Type === 'AWS::KMS::Alias' && r.resolve(res.Properties?.AliasName, id) === key)
        return this.keyArnOf(res.Properties?.TargetKeyId, service, all, id);
    }
    throw new PolicyIndexError(
      `${where}: key ${key} is neither a key of the template nor alias/aws/${service}`,
    );
  }

  private addLambdaPermissions(permissions: [string, Res][], functions: [string, Res][]) {
    const r = this.resolver;
    const byName = new Map(functions.map(([id]) => [r.resolve({ Ref: id }, id), id]));
    for (const [id, perm] of permissions) {
      const p = perm.Properties ?? {};
      const fn = r.resolve(p.FunctionName, `${id}.FunctionName`);
      const owner = fn.startsWith('arn:') ? undefined : byName.get(fn);
      const arn = fn.startsWith('arn:')
        ? fn
        : owner
          ? r.arnOf(owner)
          : `arn:aws:lambda:${r.region}:${r.account}:function:${fn}`;
      const statement = lambdaPermissionStatement(id, p, r, arn);
      const existing = this.resources.get(arn);
      const document = {
        Version: '2012-10-17',
        Statement: [...(existing?.document.Statement ?? []), statement],
      };
      const source = existing ? `${existing.source}, ${id}` : id;
      this.addResource(arn, 'function policy', owner ?? fn, source, document);
    }
  }
}
