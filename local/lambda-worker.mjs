// One Lambda sandbox of the local stack (see lambda-host.ts). Runs in its own
// worker thread with exactly the function's environment, imports the function's
// esbuild bundle from the cloud assembly (cdk.out) and invokes its handler for
// every `invoke` message, one at a time, as a Lambda execution environment does.
// Plain JavaScript: it must load in any Node process (vitest, tsx, plain node)
// without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

// Lambda runs a newer Node.js than this machine may; the SDK's warning about
// the local Node version says nothing about the deployed function.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  const name = typeof warning === 'object' && warning !== null ? warning.name : undefined;
  if (type === 'NodeVersionSupportWarning' || name === 'NodeVersionSupportWarning') return;
  emitWarning(warning, ...rest);
};

/** @param {unknown} error */
function serialize(error) {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack ?? '' };
  }
  return { name: 'Error', message: String(error), stack: '' };
}

/**
 * The SDK's standard retry decisions (throttling, transient and server errors,
 * up to `maxAttempts`) with millisecond pauses instead of the default 100 ms to
 * 20 s, so that runs with many injected faults fit in minutes.
 * @param {{ maxAttempts: number, maxDelayMs: number }} options
 */
function fastRetryStrategy({ maxAttempts, maxDelayMs }) {
  const token = (count) => ({ getRetryCount: () => count, getRetryDelay: () => 0, getRetryCost: () => 0 });
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous, info) => {
      const count = previous.getRetryCount();
      const retryable =
        info.errorType === 'THROTTLING' ||
        info.errorType === 'TRANSIENT' ||
        info.errorType === 'SERVER_ERROR';
      if (!retryable || count + 1 >= maxAttempts) throw new Error('No retry token available');
      const delay = Math.floor(Math.random() * Math.min(maxDelayMs, 2 ** count * 4));
      await new Promise((resolve) => setTimeout(resolve, delay));
      return token(count + 1);
    },
    recordSuccess: () => undefined,
  };
}

const { bundleUrl, exportName, fastRetry, function: fn } = workerData;

/** @param {{ requestId: string, deadline: number }} c */
function lambdaContext(c) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySizeMb),
    awsRequestId: c.requestId,
    logGroupName: fn.logGroupName,
    logStreamName: fn.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, c.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let handler;
try {
  const mod = await import(bundleUrl);
  handler = mod[exportName];
  if (typeof handler !== 'function') {
    throw new Error(`the bundle does not export a function named ${exportName}`);
  }
  if (fastRetry) {
    const strategy = fastRetryStrategy(fastRetry);
    for (const client of mod.sdkClients ?? []) client.config.retryStrategy = async () => strategy;
  }
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serialize(error) });
}

parentPort.on('message', async (message) => {
  // The host ends the sandbox (a crash, a timeout, the stack's end): exit between two tasks, never
  // in the middle of parsing an answer, which a terminate() from outside can hit (lambda-host.ts).
  if (message.type === 'exit') process.exit(0);
  if (message.type !== 'invoke' || handler === undefined) return;
  try {
    const result = await handler(message.event, lambdaContext(message.context));
    parentPort.postMessage({ type: 'result', id: message.id, result });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id: message.id, error: serialize(error) });
  }
});
