/** Lambda: the payload of a synchronous Invoke. */
import { type Check, violation } from './common.js';

/** 6 MB: the largest request payload of a synchronous (RequestResponse) invocation. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Invoke: a RequestResponse invocation (the default) whose request body, the
 * payload, is over 6,291,456 bytes is refused with HTTP 413, in the words
 * Lambda uses. Asynchronous (Event) invocations have their own, lower limit;
 * the local stack does not serve them (local/gateway/lambda.ts).
 */
export const invoke: Check = (input, bodyBytes) => {
  const type = input.InvocationType ?? 'RequestResponse';
  if (type !== 'RequestResponse' || bodyBytes <= MAX_SYNC_PAYLOAD_BYTES) return undefined;
  return violation(
    'lambda',
    'RequestEntityTooLargeException',
    `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    'lambda.Invoke.payload',
    413,
  );
};
