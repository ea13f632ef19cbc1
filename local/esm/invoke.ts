/**
 * What every invocation the emulator makes shares, stream or scheduled: a
 * Lambda-like context, the function's short name and bundle, the
 * `aroundInvoke` test hook, and how an error reads in the emulator's log.
 * The gateway's Lambda Invoke (local/lambda-invoke.ts) runs the same bundles.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionBundle } from '../lambda-host.js';
import type { FunctionResource } from '../resources.js';
import type { EsmOptions, InvocationInfo } from './types.js';

/** A Lambda-like context object. */
export function lambdaContext(fn: FunctionResource): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySizeMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The entry's base name, e.g. `license-events` for `functions/license-events.ts`. */
export function baseName(entry: string): string {
  const file = entry.split('/').at(-1) ?? entry;
  return file.replace(/\.[cm]?[jt]s$/, '');
}

/** The function as the Lambda host runs it: its bundle, environment and limits. */
export function functionBundle(fn: FunctionResource): FunctionBundle {
  return {
    logicalId: fn.logicalId,
    name: fn.name,
    arn: fn.arn,
    label: baseName(fn.entry),
    bundleFile: fn.bundleFile,
    exportName: fn.exportName,
    environment: fn.environment,
    timeoutSeconds: fn.timeoutSeconds,
    memorySizeMb: fn.memorySizeMb,
  };
}

/** Runs `invoke` through the {@link EsmOptions.aroundInvoke} hook when there is one. */
export function invokeAround(
  around: EsmOptions['aroundInvoke'],
  info: InvocationInfo,
  invoke: () => Promise<unknown>,
): Promise<unknown> {
  return around ? around(info, invoke) : invoke();
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
