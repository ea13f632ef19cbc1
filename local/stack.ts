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
import {
  type EsmLogger,
  type EsmOptions,
  EventSourceMappingEmulator,
  type ScheduledHandler,
  type StreamHandler,
} from './esm.js';
import { createResources, type LocalResources, unionEnvironment } from './resources.js';
import {
  enableLocalhostDns,
  type LocalServices,
  type ServiceEndpoints,
  type StartServicesOptions,
  startServices,
} from './services.js';
import { type CfnTemplate, parseTemplate, type StackModel, synthesizeTemplate } from './template.js';

export { startServices };

/** Options of {@link createStackOn}. */
export interface LocalStackOptions {
  /** Prefix of every physical name. @default a fresh random one */
  readonly prefix?: string;
  /** The synthesized template, when the caller already has it. @default synthesized in-process */
  readonly template?: CfnTemplate;
  /** Template parameter values. */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Function environment values that replace the template's, e.g. a tiny
   * `RELEASE_TIME_BUDGET_MS` so a test sees a release continue.
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
  readonly retryDelayMs?: number;
  readonly log?: EsmLogger;
  /** Test hooks of the emulator (fault injection, redelivery); see EsmOptions. */
  readonly aroundInvoke?: EsmOptions['aroundInvoke'];
  readonly redelivery?: EsmOptions['redelivery'];
  readonly instrumentClients?: EsmOptions['instrumentClients'];
}

/** A stack created on running services. */
export interface LocalStack {
  readonly endpoints: ServiceEndpoints;
  readonly template: CfnTemplate;
  readonly model: StackModel;
  readonly resources: LocalResources;
  readonly esm: EventSourceMappingEmulator;
  /** Every variable this stack put into `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Shorthand for `esm.drain()`. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops the emulator and restores `process.env`; the services keep running. */
  stop(): Promise<void>;
}

/** A stack together with the services it started. */
export interface StandaloneLocalStack extends LocalStack {
  readonly services: LocalServices;
}

/**
 * The SDK-standard variables that point every v3 client built with `{}` at
 * the local services, plus region and dummy credentials.
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
  };
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

/** A prefix unique to this call, valid for every resource type. */
export function uniquePrefix(label = 'cl'): string {
  const safe = label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'cl';
  return `${safe}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Creates the template's resources under a fresh prefix on running services,
 * puts the endpoint and function variables into `process.env` (before any
 * handler is imported), and starts the event source mapping emulator.
 */
export async function createStackOn(
  endpoints: ServiceEndpoints,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const template = options.template ?? (await synthesizeTemplate());
  const model = parseTemplate(template, options.parameters ? { parameters: options.parameters } : {});
  const prefix = options.prefix ?? uniquePrefix();
  const resources = await createResources(model, endpoints, { prefix });
  const environment = unionEnvironment(resources.functionsByLogicalId);
  const env = { ...environment.shared, ...options.environmentOverrides, ...endpointEnvironment(endpoints) };

  // Built before process.env changes: it validates overrides and may throw.
  const esm = EventSourceMappingEmulator.create({
    model,
    resources,
    endpoints,
    environment,
    ...(options.handlerOverrides ? { handlerOverrides: options.handlerOverrides } : {}),
    ...(options.filterOverrides ? { filterOverrides: options.filterOverrides } : {}),
    ...(options.mappingOverrides ? { mappingOverrides: options.mappingOverrides } : {}),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.aroundInvoke ? { aroundInvoke: options.aroundInvoke } : {}),
    ...(options.redelivery ? { redelivery: options.redelivery } : {}),
    ...(options.instrumentClients ? { instrumentClients: options.instrumentClients } : {}),
  });
  const restore = applyEnvironment(env);
  try {
    if (options.startEsm ?? true) await esm.start();
    if (options.schedules) esm.startSchedules(options.schedules);
  } catch (err) {
    await esm.dispose();
    restore();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoints,
    template,
    model,
    resources,
    esm,
    env,
    drain: (opts) => esm.drain(opts),
    stop(): Promise<void> {
      stopped ??= (async () => {
        await esm.dispose();
        restore();
      })();
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
    options.template ? Promise.resolve(options.template) : synthesizeTemplate(),
  ]);
  if (servicesResult.status === 'rejected') throw servicesResult.reason;
  const services = servicesResult.value;
  if (templateResult.status === 'rejected') {
    await services.stop();
    throw templateResult.reason;
  }
  const template = templateResult.value;
  let stack: LocalStack;
  try {
    stack = await createStackOn(services.endpoints, { ...options, template });
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
