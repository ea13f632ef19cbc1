/**
 * The request-evaluation suite across a test run. Every local stack judges
 * its functions' requests against the synthesized policies (see
 * local/gateway/authorizer.ts); each test file hands its stack's report here
 * when it ends, which fails the file on any request AWS would deny and keeps
 * the requests judged for the run's summary (test/helpers/global-setup.ts).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { JudgedRequest } from '../../local/gateway/authorizer.js';
import type { LocalStack } from '../../local/stack.js';

/** The label at the end of a stream ARN (its creation time in DynamoDB Local, a timestamp on AWS). */
const STREAM_LABEL = /\/stream\/[^/\s"]+/g;

/** A request as the run's summary counts it: the stack's name prefix replaced by `{stack}`, a stream's label by `{label}`. */
export type LoggedRequest = Omit<JudgedRequest, 'explanation'> & { readonly explanation: string };

/**
 * Ends a stack's share of the suite: writes its judged requests for the
 * run's summary, and throws when any was denied (unless the test meant it).
 */
export function settleRequests(stack: LocalStack, options: { expectDenials?: boolean } = {}): void {
  const { judged, denied } = stack.requests();
  const prefix = stack.resources.prefix;
  // A stream's ARN ends in its creation time: one stack's stream is the same resource as another's.
  const generic = (text: string) =>
    text.replaceAll(prefix, '{stack}').replace(STREAM_LABEL, '/stream/{label}');
  const normalize = (j: JudgedRequest): LoggedRequest => ({
    ...j,
    resource: generic(j.resource),
    explanation: generic(j.explanation),
  });
  const dir = inject('requestLogDir');
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${prefix}.json`),
      JSON.stringify({ judged: judged.map(normalize), expectDenials: options.expectDenials === true }),
    );
  }
  if (denied.length > 0 && !options.expectDenials) {
    throw new Error(
      `${denied.length} request(s) AWS would deny:\n${denied.map((d) => `- ${d.explanation}`).join('\n')}`,
    );
  }
}

/** The run's summary: distinct (caller, action, resource) judged, and the unexpected denials. */
export function summarizeRequests(dir: string): {
  distinct: number;
  denied: LoggedRequest[];
  stacks: number;
} {
  const seen = new Map<string, LoggedRequest>();
  const denied: LoggedRequest[] = [];
  let stacks = 0;
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return { distinct: 0, denied, stacks };
  }
  for (const file of files) {
    const { judged, expectDenials } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      judged: LoggedRequest[];
      expectDenials: boolean;
    };
    stacks++;
    for (const j of judged) {
      seen.set(`${j.caller}\u0000${j.action}\u0000${j.resource}`, j);
      if (!j.allowed && !expectDenials) denied.push(j);
    }
  }
  return { distinct: seen.size, denied, stacks };
}
