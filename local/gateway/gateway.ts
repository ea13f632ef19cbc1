/**
 * The request gateway: the one endpoint every client of the local stack talks
 * to (the functions' sandboxes, the stream-mapping emulator, the CLI, tests,
 * any outside SDK). It stands where AWS's front door stands and enforces what
 * DynamoDB Local and fauxqs do not:
 *
 * 1. AWS's request limits ({@link checkLimits}): a request AWS would reject
 *    is answered with AWS's error, not forwarded.
 * 2. Permissions: each request is judged as the principal that sent it (a
 *    function's role, found by its sandbox's access key; a role session from
 *    the gateway's own STS AssumeRole) against the synthesized template's
 *    policies, and a request AWS would deny is answered with AccessDenied.
 * 3. Test hooks ({@link Interceptor}): fault injection and races act on the
 *    wire, so each client's own SDK reacts to them (retries, error classes).
 *
 * Then it forwards the request to DynamoDB Local or fauxqs unchanged, or
 * answers it itself: STS AssumeRole for the stack's roles, and Lambda Invoke
 * of the stack's functions, which run as deployed ({@link
 * GatewayOptions.lambda}, ./lambda.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerInvoke, type LambdaFunctions } from './lambda.js';
import { checkLimits, type LimitViolation } from './limits.js';
import {
  accessDenied,
  accessKeyOf,
  assumeRoleResponse,
  type DecodedCall,
  decodeRequest,
  encodeQuery,
  errorResponse,
  type ServiceName,
  WireError,
  type WireResponse,
} from './wire.js';

/** Who sent a request. */
export type Caller =
  /** A function's sandbox (its execution role). */
  | {
      readonly kind: 'function';
      readonly functionLogicalId: string;
      readonly label: string;
      readonly accessKeyId: string;
    }
  /** The stream-mapping emulator polling or parking records on a function's behalf (Lambda uses the function's role). */
  | {
      readonly kind: 'esm';
      readonly functionLogicalId: string;
      readonly label: string;
      readonly accessKeyId: string;
    }
  /** A session of a role assumed through the gateway's STS. */
  | {
      readonly kind: 'role-session';
      readonly roleLogicalId: string;
      readonly roleArn: string;
      readonly sessionName: string;
      readonly label: string;
      readonly accessKeyId: string;
    }
  /** Any other client: an admin of the account (the console, the CLI, tests). */
  | { readonly kind: 'client'; readonly label: 'client'; readonly accessKeyId: string };

/** A request as the hooks see it. */
export interface GatewayCall extends DecodedCall {
  readonly caller: Caller;
}

/** Sends the request on (with `input` replacing the decoded input, if given) and returns the service's answer. */
export type Forward = (input?: Record<string, unknown>) => Promise<WireResponse>;

/**
 * A test hook around every request: answer it, change it, forward it, or
 * `'drop'` it (the connection is closed without an answer, as when a response
 * is lost).
 */
export type Interceptor = (call: GatewayCall, forward: Forward) => Promise<WireResponse | 'drop'>;

/** The verdict of {@link GatewayOptions.authorize}. */
export type Authorization =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly message: string };

/** Options of {@link Gateway.start}. */
export interface GatewayOptions {
  /** DynamoDB Local (also Streams) and fauxqs (SNS and SQS). */
  readonly upstream: { readonly dynamodb: string; readonly fauxqs: string };
  /** Who holds an access key other than the gateway's own role sessions (e.g. a sandbox). */
  readonly identify?: (accessKeyId: string) => Caller | undefined;
  /** Judges a request; undefined allows everything. */
  readonly authorize?: (caller: Caller, call: DecodedCall) => Promise<Authorization>;
  /** Roles that STS AssumeRole may hand out, by ARN → logical id. */
  readonly roles?: Readonly<Record<string, string>>;
  /**
   * The functions Lambda Invoke runs (e.g. the stack's, in the Lambda host's
   * sandboxes). Without them every function is unknown (ResourceNotFoundException).
   */
  readonly lambda?: LambdaFunctions;
  readonly account: string;
  /** The stack's region: a function named without an ARN is in it. */
  readonly region: string;
  /** Port to listen on. @default a free one */
  readonly port?: number;
}

/** A request the gateway refused. */
export interface Refusal {
  readonly caller: string;
  readonly service: ServiceName;
  readonly operation: string;
  readonly kind: 'limit' | 'permission';
  readonly message: string;
  readonly limit?: LimitViolation['limit'];
}

const UPSTREAM_OF: Readonly<Record<ServiceName, 'dynamodb' | 'fauxqs' | 'local'>> = {
  dynamodb: 'dynamodb',
  dynamodbstreams: 'dynamodb',
  lambda: 'local',
  sns: 'fauxqs',
  sqs: 'fauxqs',
  sts: 'local',
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The local stack's front door; see the module comment. */
export class Gateway {
  private readonly interceptors: Interceptor[] = [];
  private readonly sessions = new Map<string, Extract<Caller, { kind: 'role-session' }>>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  /** Requests refused for a limit or a permission, in order. */
  readonly refusals: Refusal[] = [];
  /** Requests served, by `service.operation`. */
  readonly counts: Record<string, number> = {};

  private constructor(
    private readonly server: Server,
    private readonly options: GatewayOptions,
    readonly url: string,
  ) {}

  /** Starts listening on 127.0.0.1. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const gateway = new Gateway(server, options, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => void gateway.serve(req, res));
    return gateway;
  }

  /** Adds a hook around every request (the last added runs first); returns a function that removes it. */
  use(interceptor: Interceptor): () => void {
    this.interceptors.push(interceptor);
    return () => {
      const i = this.interceptors.indexOf(interceptor);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  /** Who holds `accessKeyId`. */
  callerOf(accessKeyId: string | undefined): Caller {
    const key = accessKeyId ?? '';
    return (
      this.sessions.get(key) ??
      this.options.identify?.(key) ?? { kind: 'client', label: 'client', accessKeyId: key }
    );
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    let call: DecodedCall;
    try {
      call = decodeRequest(req, body);
    } catch (error) {
      const message = error instanceof WireError ? error.message : String(error);
      if (error instanceof WireError && error.service !== undefined) {
        const answer = errorResponse(error.service, error.code, `local gateway: ${message}`, error.status);
        res.writeHead(answer.status, { ...answer.headers }).end(answer.body);
        return;
      }
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`local gateway: ${message}`);
      return;
    }
    const caller = this.callerOf(accessKeyOf(req.headers));
    const key = `${call.service}.${call.operation}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    try {
      const answer = await this.handle(req, body, { ...call, caller });
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      const headers = Object.fromEntries(Object.entries(answer.headers).filter(([h]) => !HOP_BY_HOP.has(h)));
      res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
      res.end(answer.body);
    } catch (error) {
      // The gateway itself failed (e.g. the upstream is down): answer as a 500 so the SDK retries.
      const answer = errorResponse(
        call.service,
        call.service === 'lambda' ? 'ServiceException' : 'InternalServerError',
        `local gateway: ${String(error)}`,
        500,
      );
      if (!res.headersSent) res.writeHead(answer.status, { ...answer.headers }).end(answer.body);
      else res.destroy();
    }
  }

  private async handle(
    req: IncomingMessage,
    body: Buffer,
    call: GatewayCall,
  ): Promise<WireResponse | 'drop'> {
    const violation = checkLimits(call);
    if (violation) {
      this.refusals.push({
        caller: call.caller.label,
        service: call.service,
        operation: call.operation,
        kind: 'limit',
        message: violation.message,
        limit: violation.limit,
      });
      return errorResponse(call.service, violation.code, violation.message, violation.httpStatus);
    }
    const verdict: Authorization = this.options.authorize
      ? await this.options.authorize(call.caller, call)
      : { allowed: true };
    if (!verdict.allowed) {
      this.refusals.push({
        caller: call.caller.label,
        service: call.service,
        operation: call.operation,
        kind: 'permission',
        message: verdict.message,
      });
      return accessDenied(call.service, verdict.message);
    }
    // The last interceptor added runs first; each passes on its (possibly changed) input, and an
    // interceptor that forwards without one passes on what it was given.
    const run = async (i: number, input: Record<string, unknown>): Promise<WireResponse> => {
      const interceptor = this.interceptors[i];
      if (interceptor === undefined)
        return this.forward(req, body, call, input === call.input ? undefined : input);
      const out = await interceptor({ ...call, input }, (next) => run(i - 1, next ?? input));
      if (out === 'drop') throw new DroppedSignal();
      return out;
    };
    try {
      return await run(this.interceptors.length - 1, call.input);
    } catch (error) {
      if (error instanceof DroppedSignal) return 'drop';
      throw error;
    }
  }

  private forward(
    req: IncomingMessage,
    original: Buffer,
    call: GatewayCall,
    input?: Record<string, unknown>,
  ): Promise<WireResponse> {
    const upstream = UPSTREAM_OF[call.service];
    if (upstream === 'local' && call.service === 'lambda') {
      const { lambda, region, account } = this.options;
      return answerInvoke(input ?? call.input, lambda, { region, account });
    }
    if (upstream === 'local') return Promise.resolve(this.sts(call, input ?? call.input));
    let body = original;
    if (input !== undefined) {
      body =
        call.service === 'sns'
          ? Buffer.from(encodeQuery(call.operation, '2010-03-31', input))
          : Buffer.from(JSON.stringify(input));
    }
    const base = new URL(this.options.upstream[upstream]);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([h, v]) => !HOP_BY_HOP.has(h) && v !== undefined),
    ) as Record<string, string | string[]>;
    return new Promise<WireResponse>((resolve, reject) => {
      const out = request(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.url,
          agent: this.agent,
          headers: { ...headers, host: base.host, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 500,
              headers: Object.fromEntries(
                Object.entries(res.headers)
                  .filter(([, v]) => v !== undefined)
                  .map(([h, v]) => [h, Array.isArray(v) ? v.join(', ') : String(v)]),
              ),
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  /** STS AssumeRole for the stack's roles (authorization already judged the trust policy). */
  private sts(call: GatewayCall, input: Record<string, unknown>): WireResponse {
    if (call.operation !== 'AssumeRole') {
      return errorResponse(
        'sts',
        'InvalidAction',
        `the local stack serves only sts:AssumeRole, not ${call.operation}`,
      );
    }
    const roleArn = String(input.RoleArn ?? '');
    const sessionName = String(input.RoleSessionName ?? '');
    // STS's own constraint on RoleSessionName.
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      return errorResponse(
        'sts',
        'ValidationError',
        `RoleSessionName '${sessionName}' must be 2-64 characters of [\\w+=,.@-]`,
      );
    }
    const roleLogicalId = this.options.roles?.[roleArn];
    if (roleLogicalId === undefined) {
      return accessDenied('sts', `no role ${roleArn} in this stack`);
    }
    const accessKeyId = `ASIAROLE${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    this.sessions.set(accessKeyId, {
      kind: 'role-session',
      roleLogicalId,
      roleArn,
      sessionName,
      label: `${roleLogicalId} (assumed)`,
      accessKeyId,
    });
    return assumeRoleResponse({
      accessKeyId,
      secretAccessKey: randomUUID(),
      sessionToken: `local-session-${accessKeyId}`,
      expiration: new Date(Date.now() + 3600_000),
      assumedRoleArn: `arn:aws:sts::${this.options.account}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId: `AROALOCAL${roleLogicalId.slice(0, 12).toUpperCase()}:${sessionName}`,
    });
  }
}

class DroppedSignal extends Error {}
