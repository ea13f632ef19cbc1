/**
 * The stack's functions as its gateway serves them to Lambda Invoke
 * (local/gateway/lambda.ts): found by ARN among the template's functions
 * (local/resources/functions.ts), run by the Lambda host in sandboxes from
 * their `cdk.out` bundles with exactly their environment, the same bundles
 * and host the stream-mapping emulator invokes. The sandbox gives the handler
 * its Lambda context (lambda-worker.mjs); what the handler threw, or why its
 * sandbox failed, becomes the function error Lambda reports.
 */
import { functionBundle } from './esm/invoke.js';
import type { Invocation, LambdaFunctions } from './gateway/lambda.js';
import { LambdaFunctionError, type LambdaHost, LambdaInitError, LambdaSandboxError } from './lambda-host.js';
import type { FunctionResource } from './resources.js';

const lines = (stack: string | undefined): string[] =>
  (stack ?? '').split('\n').filter((line) => line !== '');

/** A failed invocation as Lambda reports it (errorType, errorMessage, trace), or undefined for any other error. */
export function functionError(error: unknown): Invocation | undefined {
  if (error instanceof LambdaFunctionError) {
    return { error: { errorType: error.name, errorMessage: error.message, trace: lines(error.stack) } };
  }
  if (error instanceof LambdaInitError) {
    const { detail } = error;
    return {
      error: {
        errorType: error.name,
        errorMessage: `${detail.name}: ${detail.message}`,
        trace: lines(detail.stack),
      },
    };
  }
  if (error instanceof LambdaSandboxError) {
    return { error: { errorType: error.name, errorMessage: error.message } };
  }
  return undefined;
}

/**
 * The functions of `functions` (by logical id), invoked through the host
 * `host()` returns (a getter: the host is created once the gateway it points
 * the sandboxes at is listening).
 */
export function invokableFunctions(
  functions: Readonly<Record<string, FunctionResource>>,
  host: () => LambdaHost | undefined,
): LambdaFunctions {
  const byArn = new Map(Object.values(functions).map((fn) => [fn.arn, fn]));
  return {
    has: (arn) => byArn.has(arn),
    async invoke(arn, event, requestId) {
      const fn = byArn.get(arn);
      const lambda = host();
      if (fn === undefined) throw new Error(`no function ${arn} in this stack`);
      if (lambda === undefined) throw new Error('the Lambda host has not started');
      try {
        return { result: await lambda.invoke(functionBundle(fn), event, requestId) };
      } catch (error) {
        const failed = functionError(error);
        if (failed === undefined) throw error;
        return failed;
      }
    },
  };
}
