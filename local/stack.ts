/**
 * The local stack: services + the synthesized template's resources + the
 * event source mapping / schedule emulator, wired through the SDK's standard
 * environment variables so the handlers run unchanged.
 *
 * Tests start the services once per run ({@link startServices}) and create a
 * fresh stack per file on them ({@link createStackOn}); scripts use
 * {@link startLocalStack}, which does both.
 */
import { randomBytes } from 'node:crypto';
import { tablesWrittenBy } from './esm/writes.js';
import {
  type EsmLogger,
  type EsmOptions,
  EventSourceMappingEmulator,
  type ScheduledHandler,
  type StreamHandler,
} from './esm.js';
import { RequestAuthorizer, type RequestReport } from './gateway/authorizer.js';
import { type Caller, Gateway, type Refusal } from './gateway/gateway.js';
import { LambdaHost, type LambdaHostOptions, type LambdaLogSink } from './lambda-host.js';
import { invokableFunctions } from './lambda-invoke.js';
import {
  createResources,
  type FunctionResource,
  LOCAL_ACCOUNT_ID,
  type LocalResources,
} from './resources.js';
import {
  enableLocalhostDns,
  type LocalServices,
  type ServiceEndpoints,
  type StartServicesOptions,
  startServices,
} from './services.js';
import {
  type CfnTemplate,
  type CloudAssembly,
  parseTemplate,
  type StackModel,
  synthesizeAssembly,
} from './template.js';

export { startServices };

/** Options of {@link createStackOn}. */
export interface LocalStackOptions {
  /** Prefix of every physical name. @default a fresh random one */
  readonly prefix?: string;
  /** Port of the stack's request gateway, every client's endpoint. @default a free one */
  readonly port?: number;
  /** The synthesized, bundled template and its assembly directory. @default synthesized in-process */
  readonly assembly?: CloudAssembly;
  /** Template parameter values. */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Function environment values that replace the template's where a function
   * defines the variable, e.g. a tiny `RELEASE_TIME_BUDGET_MS` so a test sees
   * a release continue. A variable no function defines is refused (it would
   * hide a variable the template is missing), except POWERTOOLS_* settings of
   * the observability library.
   */
  readonly environmentOverrides?: Readonly<Record<string, string>>;
  /** Start polling the streams right away. @default true */
  readonly startEsm?: boolean;
  /** Fire the schedules on timers. @default false (use `esm.invokeSchedule`) */
  readonly schedules?: false | { readonly speedUp?: number };
  readonly handlerOverrides?: Readonly<Record<string, StreamHandler | ScheduledHandler>>;
  readonly filterOverrides?: EsmOptions['filterOverrides'];
  readonly mappingOverrides?: EsmOptions['mappingOverrides'];
  readonly pollIntervalMs?: number;
  /** Idle poll interval of the mappings while a drain waits (see EsmOptions). @default pollIntervalMs */
  readonly drainPollIntervalMs?: number;
  /** How late an idle mapping reads a shard whose table nothing wrote to (see EsmOptions). @default every poll */
  readonly quietReadIntervalMs?: number;
  readonly retryDelayMs?: number;
  readonly log?: EsmLogger;
  /** Where the functions' log lines go. @default stderr */
  readonly functionLogs?: LambdaLogSink;
  /** Millisecond SDK retry pauses inside the functions (fault-injection runs). @default off */
  readonly fastRetry?: LambdaHostOptions['fastRetry'];
  /** Test hooks of the emulator (fault injection, redelivery); see EsmOptions. */
  readonly aroundInvoke?: EsmOptions['aroundInvoke'];
  readonly redelivery?: EsmOptions['redelivery'];
  readonly instrumentClients?: EsmOptions['instrumentClients'];
}

/** A stack created on running services. */
export interface LocalStack {
  /** The stack's endpoints: its request gateway, for every service. What clients use. */
  readonly endpoints: ServiceEndpoints;
  /** DynamoDB Local and fauxqs themselves, behind the gateway. */
  readonly upstream: ServiceEndpoints;
  readonly template: CfnTemplate;
  readonly model: StackModel;
  readonly resources: LocalResources;
  readonly esm: EventSourceMappingEmulator;
  readonly gateway: Gateway;
  readonly host: LambdaHost;
  /** The variables this stack put into `process.env` (endpoints, region, credentials for clients). */
  readonly env: Readonly<Record<string, string>>;
  /** Requests the gateway refused (limits and permissions). */
  refusals(): readonly Refusal[];
  /** Every distinct request judged against the template's policies, and those AWS would deny. */
  requests(): RequestReport;
  /** The template's outputs, resolved to this stack's names, by output key. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Credentials with which a client acts, at the gateway, as a function's
   * execution role: those of its stream mapping (Lambda reads the stream with
   * the function's role). For tests that send a request as the function would.
   */
  roleCredentials(functionLogicalId: string): { accessKeyId: string; secretAccessKey: string };
  /** Shorthand for `esm.drain()`. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops the emulator, the sandboxes and the gateway, and restores `process.env`; the services keep running. */
  stop(): Promise<void>;
}

/** A stack together with the services it started. */
export interface StandaloneLocalStack extends LocalStack {
  readonly services: LocalServices;
}

/**
 * The SDK-standard variables that point every v3 client built with `{}` at
 * `endpoints`, plus region and dummy credentials.
 */
export function endpointEnvironment(endpoints: ServiceEndpoints): Record<string, string> {
  return {
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodbStreams,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    ...(endpoints.lambda === undefined ? {} : { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda }),
  };
}

/** The SDK-standard endpoint variables only (a sandbox gets its own region and credentials). */
function endpointVariables(endpoints: ServiceEndpoints): Record<string, string> {
  return Object.fromEntries(
    Object.entries(endpointEnvironment(endpoints)).filter(([name]) => name.startsWith('AWS_ENDPOINT_URL_')),
  );
}

/** Variables that would steer the SDK elsewhere; removed while a stack runs. */
const CONFLICTING_VARS = [
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

/**
 * Sets `vars` in `process.env` (and removes variables that would override
 * them); returns a function that restores the previous values.
 */
export function applyEnvironment(vars: Readonly<Record<string, string>>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const name of [...CONFLICTING_VARS, ...Object.keys(vars)]) {
    if (!previous.has(name)) previous.set(name, process.env[name]);
  }
  for (const name of CONFLICTING_VARS) delete process.env[name];
  Object.assign(process.env, vars);
  enableLocalhostDns();
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Refuses overrides that would add a variable no function of the template
 * defines (see {@link LocalStackOptions.environmentOverrides}).
 */
function checkOverrides(model: StackModel, overrides: Readonly<Record<string, string>>): void {
  const defined = new Set(model.functions.flatMap((fn) => Object.keys(fn.environment)));
  for (const name of Object.keys(overrides)) {
    if (!defined.has(name) && !name.startsWith('POWERTOOLS_')) {
      throw new Error(
        `environmentOverrides.${name}: no function of the template defines ${name}; an override may only ` +
          'replace a template variable (or set a POWERTOOLS_* option), so that a variable missing from the ' +
          'template still fails locally',
      );
    }
  }
}

/** The stack's functions with `overrides` applied where each defines the variable (POWERTOOLS_* everywhere). */
function overrideEnvironment(
  functions: Readonly<Record<string, FunctionResource>>,
  overrides: Readonly<Record<string, string>>,
): Record<string, FunctionResource> {
  return Object.fromEntries(
    Object.entries(functions).map(([id, fn]) => {
      const environment = { ...fn.environment };
      for (const [name, value] of Object.entries(overrides)) {
        if (name in environment || name.startsWith('POWERTOOLS_')) environment[name] = value;
      }
      return [id, { ...fn, environment }];
    }),
  );
}

/** A prefix unique to this call, valid for every resource type. */
export function uniquePrefix(label = 'cl'): string {
  const safe = label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'cl';
  return `${safe}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Access keys of the emulator acting for a function's mapping. */
const ESM_KEY_PREFIX = 'ESMLOCAL';

/** The access key the emulator's clients use for a function's mapping. */
const esmKeyOf = (functionLogicalId: string) =>
  `${ESM_KEY_PREFIX}${functionLogicalId.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;

/** The gateway's callers for the emulator's mappings, by access key. */
function esmCallers(resources: LocalResources): Map<string, Caller> {
  const callers = new Map<string, Caller>();
  for (const fn of Object.values(resources.functionsByLogicalId)) {
    const accessKeyId = esmKeyOf(fn.logicalId);
    callers.set(accessKeyId, {
      kind: 'esm',
      functionLogicalId: fn.logicalId,
      label: `${fn.entry
        .split('/')
        .at(-1)
        ?.replace(/\.[cm]?[jt]s$/, '')} mapping`,
      accessKeyId,
    });
  }
  return callers;
}

/** Parses the template and creates its resources under a fresh prefix, with the environment overrides applied. */
async function createModelAndResources(
  upstream: ServiceEndpoints,
  options: LocalStackOptions,
): Promise<{ template: CfnTemplate; model: StackModel; resources: LocalResources }> {
  const assembly = options.assembly ?? (await synthesizeAssembly());
  const { template } = assembly;
  const model = parseTemplate(template, options.parameters ? { parameters: options.parameters } : {});
  checkOverrides(model, options.environmentOverrides ?? {});
  const prefix = options.prefix ?? uniquePrefix();
  const created = await createResources(model, upstream, { prefix, assemblyDir: assembly.dir });
  const resources: LocalResources = {
    ...created,
    functionsByLogicalId: overrideEnvironment(
      created.functionsByLogicalId,
      options.environmentOverrides ?? {},
    ),
  };
  return { template, model, resources };
}

/** The emulator of the stack's mappings and schedules, its clients acting with each mapping's access key. */
function createEmulator(
  model: StackModel,
  resources: LocalResources,
  endpoints: ServiceEndpoints,
  host: LambdaHost,
  options: LocalStackOptions,
): EventSourceMappingEmulator {
  return EventSourceMappingEmulator.create({
    model,
    resources,
    endpoints,
    host,
    credentialsFor: (functionLogicalId) => ({
      accessKeyId: esmKeyOf(functionLogicalId),
      secretAccessKey: 'local',
    }),
    ...(options.handlerOverrides ? { handlerOverrides: options.handlerOverrides } : {}),
    ...(options.filterOverrides ? { filterOverrides: options.filterOverrides } : {}),
    ...(options.mappingOverrides ? { mappingOverrides: options.mappingOverrides } : {}),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.drainPollIntervalMs === undefined
      ? {}
      : { drainPollIntervalMs: options.drainPollIntervalMs }),
    ...(options.quietReadIntervalMs === undefined
      ? {}
      : { quietReadIntervalMs: options.quietReadIntervalMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.aroundInvoke ? { aroundInvoke: options.aroundInvoke } : {}),
    ...(options.redelivery ? { redelivery: options.redelivery } : {}),
    ...(options.instrumentClients ? { instrumentClients: options.instrumentClients } : {}),
  });
}

/** Every service's endpoint: the gateway (which also serves Lambda Invoke). */
function gatewayEndpoints(upstream: ServiceEndpoints, gateway: Gateway): ServiceEndpoints {
  return {
    region: upstream.region,
    dynamodb: gateway.url,
    dynamodbStreams: gateway.url,
    sns: gateway.url,
    sqs: gateway.url,
    lambda: gateway.url,
  };
}

/**
 * Creates the template's resources under a fresh prefix on running services,
 * starts the stack's request gateway (which also serves Lambda Invoke of the
 * stack's functions), the functions' sandboxes and the event source mapping
 * emulator, and points this process's SDK clients at the gateway (through
 * `process.env`).
 */
export async function createStackOn(
  upstream: ServiceEndpoints,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const { template, model, resources } = await createModelAndResources(upstream, options);
  let host: LambdaHost | undefined;
  const mappingCallers = esmCallers(resources);
  const authorizer = new RequestAuthorizer(template, resources, LOCAL_ACCOUNT_ID);
  const gateway = await Gateway.start({
    upstream: { dynamodb: upstream.dynamodb, fauxqs: upstream.sns },
    account: LOCAL_ACCOUNT_ID,
    region: resources.region,
    authorize: (caller, call) => authorizer.authorize(caller, call),
    roles: authorizer.roles,
    // Lambda Invoke runs the deployed bundles in the host's sandboxes (`dlq redrive` uses it).
    lambda: invokableFunctions(resources.functionsByLogicalId, () => host),
    ...(options.port === undefined ? {} : { port: options.port }),
    identify: (accessKeyId) => {
      const esm = mappingCallers.get(accessKeyId);
      if (esm) return esm;
      const sandbox = host?.whoIs(accessKeyId);
      return sandbox && { kind: 'function', ...sandbox, accessKeyId };
    },
  });
  // A killed sandbox (a crash, a timeout) sends nothing more: what its thread sends before it has exited is dropped.
  gateway.use(async (call, forward) =>
    call.caller.kind === 'function' && host?.isKilled(call.caller.accessKeyId) ? 'drop' : forward(),
  );
  gateway.use(authorizer.learnIterators);
  const endpoints = gatewayEndpoints(upstream, gateway);
  host = new LambdaHost({
    region: upstream.region,
    endpointEnvironment: endpointVariables(endpoints),
    ...(options.functionLogs ? { logSink: options.functionLogs } : {}),
    ...(options.fastRetry ? { fastRetry: options.fastRetry } : {}),
  });
  const env = endpointEnvironment(endpoints);

  let esm: EventSourceMappingEmulator;
  try {
    esm = createEmulator(model, resources, endpoints, host, options);
  } catch (err) {
    await host.dispose();
    await gateway.close();
    throw err;
  }
  // The emulator hears of every DynamoDB write the gateway forwards (see EsmOptions.quietReadIntervalMs).
  gateway.use(async (call, forward) => {
    const answer = await forward();
    for (const table of tablesWrittenBy(call)) esm.noteWrite(table);
    return answer;
  });
  const restore = applyEnvironment(env);
  const lambda = host;
  const stopAll = async () => {
    await esm.dispose();
    await lambda.dispose();
    await gateway.close();
    restore();
  };
  try {
    if (options.startEsm ?? true) await esm.start();
    if (options.schedules) esm.startSchedules(options.schedules);
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoints,
    upstream,
    template,
    model,
    resources,
    esm,
    gateway,
    host: lambda,
    env,
    refusals: () => gateway.refusals,
    requests: () => authorizer.report(),
    outputs: authorizer.outputs(),
    roleCredentials(functionLogicalId) {
      if (!mappingCallers.has(esmKeyOf(functionLogicalId)))
        throw new Error(`no function ${functionLogicalId} in the template`);
      return { accessKeyId: esmKeyOf(functionLogicalId), secretAccessKey: 'local' };
    },
    drain: (opts) => esm.drain(opts),
    stop(): Promise<void> {
      stopped ??= stopAll();
      return stopped;
    },
  };
}

/**
 * Starts the services and creates a stack on them. `stop()` stops both and
 * leaves no Java process behind.
 */
export async function startLocalStack(
  options: LocalStackOptions & StartServicesOptions = {},
): Promise<StandaloneLocalStack> {
  const [servicesResult, templateResult] = await Promise.allSettled([
    startServices(options),
    options.assembly ? Promise.resolve(options.assembly) : synthesizeAssembly(),
  ]);
  if (servicesResult.status === 'rejected') throw servicesResult.reason;
  const services = servicesResult.value;
  if (templateResult.status === 'rejected') {
    await services.stop();
    throw templateResult.reason;
  }
  const assembly = templateResult.value;
  let stack: LocalStack;
  try {
    stack = await createStackOn(services.endpoints, { ...options, assembly });
  } catch (err) {
    await services.stop();
    throw err;
  }
  return {
    ...stack,
    services,
    async stop(): Promise<void> {
      try {
        await stack.stop();
      } finally {
        await services.stop();
      }
    },
  };
}
