/**
 * Live request evaluation: the gateway asks this authorizer about every
 * request of a function (its execution role), of a stream mapping (Lambda
 * reads streams and parks failures with the function's role), of a role
 * session from the gateway's STS, and about every `sts:AssumeRole`. A Lambda
 * Invoke by one of them is judged as `lambda:InvokeFunction` on the
 * function's ARN (identity policies and the function's resource policy). Each is
 * mapped to its IAM requests (local/iam/requests.ts) and judged against the
 * synthesized template's identity, resource, key and trust policies, resolved
 * to the local stack's names. A request AWS would deny is refused, and kept
 * for the report that fails the test suite.
 *
 * Outside clients (tests, the CLI's DynamoDB, SQS and Lambda calls) act as an
 * admin of the account: they are not judged, except when they assume a role.
 */
import {
  ADMIN_USER,
  createResolver,
  type IamRequest,
  iamRequestsFor,
  PolicyIndex,
  type Principal,
  RequestJudge,
  type Resolver,
} from '../iam/index.js';
import type { LocalResources } from '../resources.js';
import type { CfnTemplate } from '../template.js';
import type { Authorization, Caller, Forward, GatewayCall } from './gateway.js';
import { invokeTarget } from './lambda.js';
import { type DecodedCall, jsonOf, type WireResponse } from './wire.js';

/** One distinct request judged: who, what, on which resource, and the outcome. */
export interface JudgedRequest {
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly explanation: string;
}

/** What the authorizer judged so far. */
export interface RequestReport {
  /** Distinct (caller, action, resource) requests judged. */
  readonly judged: readonly JudgedRequest[];
  readonly denied: readonly JudgedRequest[];
}

/** The physical names of the local stack, as overrides of the template's default naming. */
function overridesOf(resources: LocalResources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of Object.values(resources.tablesByLogicalId)) {
    out[t.logicalId] = t.name;
    out[`${t.logicalId}.Arn`] = t.arn;
    if (t.streamArn) out[`${t.logicalId}.StreamArn`] = t.streamArn;
  }
  for (const t of Object.values(resources.topicsByLogicalId)) {
    out[t.logicalId] = t.arn;
    out[`${t.logicalId}.TopicArn`] = t.arn;
    out[`${t.logicalId}.TopicName`] = t.name;
  }
  for (const q of Object.values(resources.queuesByLogicalId)) {
    out[q.logicalId] = q.url;
    out[`${q.logicalId}.Arn`] = q.arn;
    out[`${q.logicalId}.QueueName`] = q.name;
    out[`${q.logicalId}.QueueUrl`] = q.url;
  }
  for (const f of Object.values(resources.functionsByLogicalId)) {
    out[f.logicalId] = f.name;
    out[`${f.logicalId}.Arn`] = f.arn;
  }
  out['AWS::StackName'] = resources.prefix;
  return out;
}

/** Shard iterators remembered (each GetRecords hands out one): far more than a test run holds valid at once. */
const MAX_ITERATORS = 200_000;

const NEXT_ITERATOR_KEY = Buffer.from('"NextShardIterator"', 'latin1');
/** JSON's whitespace bytes: space, line feed, carriage return, tab. */
const JSON_SPACE = new Set([0x20, 0x0a, 0x0d, 0x09]);

/**
 * The `NextShardIterator` of a GetRecords answer, read from its bytes. The
 * answer can hold 1,000 records (about 1 MB): decoding it whole to find the
 * key cost a megabyte per page, and a match taken from the decoded text is a
 * slice of it, so every remembered iterator kept its whole page alive (88 MiB
 * of records at N = 50,000 in `npm run bench`). This copies out only the
 * iterator's own characters. A quoted key followed by `:` and a string can only
 * be the top-level one: inside a record, an attribute named so maps to an
 * object, and quotes inside strings are escaped.
 */
export function nextShardIteratorOf(body: Buffer): string | undefined {
  const skipSpace = (i: number) => {
    let j = i;
    while (JSON_SPACE.has(body[j] ?? -1)) j++;
    return j;
  };
  for (let at = body.indexOf(NEXT_ITERATOR_KEY); at >= 0; at = body.indexOf(NEXT_ITERATOR_KEY, at + 1)) {
    const colon = skipSpace(at + NEXT_ITERATOR_KEY.length);
    if (body[colon] !== 0x3a) continue; // not followed by ':'
    const quote = skipSpace(colon + 1);
    if (body[quote] !== 0x22) continue; // null (a closed shard's end) or a record's attribute
    const end = body.indexOf(0x22, quote + 1);
    if (end > quote + 1) return body.toString('latin1', quote + 1, end);
  }
  return undefined;
}

/** Judges the local stack's requests; see the module comment. */
export class RequestAuthorizer {
  private readonly index: PolicyIndex;
  private readonly judge: RequestJudge;
  /** Shard iterator → stream ARN, in the order handed out. */
  private readonly iterators = new Map<string, string>();
  private readonly seen = new Map<string, JudgedRequest>();
  private readonly admin: string;
  private readonly resolver: Resolver;
  private readonly template: CfnTemplate;
  /** Role ARN → logical id, for the gateway's STS. */
  readonly roles: Readonly<Record<string, string>>;
  private readonly where: { readonly region: string; readonly account: string };

  constructor(template: CfnTemplate, resources: LocalResources, account: string) {
    const resolver = createResolver(template, {
      account,
      region: resources.region,
      overrides: overridesOf(resources),
    });
    this.resolver = resolver;
    this.template = template;
    this.where = { region: resources.region, account };
    this.index = PolicyIndex.fromTemplate(template, resolver);
    this.judge = new RequestJudge(this.index, resolver);
    this.admin = ADMIN_USER(account);
    const resourcesOfTemplate = (template.Resources ?? {}) as Record<string, { Type?: string }>;
    this.roles = Object.fromEntries(
      Object.entries(resourcesOfTemplate)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([id]) => [resolver.arnOf(id), id]),
    );
  }

  /** The principal AWS would see, or undefined for an outside client (an admin, not judged). */
  private principalOf(caller: Caller, call: DecodedCall): Principal | undefined {
    switch (caller.kind) {
      case 'function':
      case 'esm':
        return { kind: 'role', roleLogicalId: this.index.roleOfFunction(caller.functionLogicalId) };
      case 'role-session':
        return { kind: 'role', roleLogicalId: caller.roleLogicalId, sessionName: caller.sessionName };
      default:
        return call.service === 'sts' ? { kind: 'account-user', arn: this.admin } : undefined;
    }
  }

  /** The gateway's `authorize` hook. */
  async authorize(caller: Caller, call: DecodedCall): Promise<Authorization> {
    const principal = this.principalOf(caller, call);
    if (principal === undefined) return { allowed: true };
    let requests: IamRequest[];
    try {
      requests = iamRequestsFor(call, {
        tableArn: (t) => this.index.tableArn(t),
        queueArn: (u) => this.index.queueArn(u),
        topicKeyArn: (t) => this.index.topicKeyArn(t),
        queueKeyArn: (q) => this.index.queueKeyArn(q),
        streamArnOfIterator: (it) => {
          const arn = this.iterators.get(it);
          if (arn === undefined) throw new Error('a shard iterator this stack did not hand out');
          return arn;
        },
        functionArn: (name, qualifier) => invokeTarget(name, qualifier, this.where).qualifiedArn,
      });
    } catch (error) {
      const message = `${caller.label}: ${call.service}.${call.operation} cannot be judged: ${(error as Error).message}`;
      this.record(caller.label, `${call.service}:${call.operation}`, '?', false, message);
      return { allowed: false, message };
    }
    for (const request of requests) {
      const verdict = await this.judge.judge(principal, request);
      this.record(caller.label, request.action, request.resource, verdict.allowed, verdict.explanation);
      if (!verdict.allowed) {
        return { allowed: false, message: `${caller.label} would be denied on AWS: ${verdict.explanation}` };
      }
    }
    return { allowed: true };
  }

  /**
   * A gateway interceptor that learns which stream each shard iterator reads
   * (GetRecords names only the iterator); install it on the stack's gateway.
   */
  readonly learnIterators = async (call: GatewayCall, forward: Forward): Promise<WireResponse> => {
    if (call.operation !== 'GetShardIterator' && call.operation !== 'GetRecords') return forward();
    const out = await forward();
    if (out.status !== 200) return out;
    if (call.operation === 'GetShardIterator') {
      const it = jsonOf(out).ShardIterator;
      if (typeof it === 'string') this.iterators.set(it, String(call.input.StreamArn));
      return out;
    }
    // A GetRecords answer can hold 1,000 records: read only the next iterator, not the whole body.
    const next = nextShardIteratorOf(out.body);
    // An iterator stays valid after it is read (AWS: for 15 minutes): a mapping that retries a
    // GetRecords, or reads an iterator again, must be judged too. Oldest forgotten past a bound.
    const stream = this.iterators.get(String(call.input.ShardIterator));
    if (next !== undefined && stream !== undefined) this.iterators.set(next, stream);
    if (this.iterators.size > MAX_ITERATORS) {
      const oldest = this.iterators.keys().next().value;
      if (oldest !== undefined) this.iterators.delete(oldest);
    }
    return out;
  };

  private record(
    caller: string,
    action: string,
    resource: string,
    allowed: boolean,
    explanation: string,
  ): void {
    const key = `${caller}\u0000${action}\u0000${resource}`;
    if (!this.seen.has(key) || !allowed)
      this.seen.set(key, { caller, action, resource, allowed, explanation });
  }

  /** The template's outputs, resolved to the local stack's names, by output key. */
  outputs(): Record<string, string> {
    const outputs = (this.template.Outputs ?? {}) as Record<string, { Value?: unknown }>;
    return Object.fromEntries(
      Object.entries(outputs).map(([key, o]) => [key, this.resolver.resolve(o.Value, `Outputs.${key}`)]),
    );
  }

  /** Everything judged so far. */
  report(): RequestReport {
    const judged = [...this.seen.values()];
    return { judged, denied: judged.filter((j) => !j.allowed) };
  }
}
