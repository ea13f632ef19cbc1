import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';
import { explainReadError } from './resources/errors.js';
import type { FunctionKey } from './resources/functions.js';
import { describeStackOutputs, type OutputKeys, resourcesFromOutputs } from './resources/outputs.js';
import { parseStackFile } from './resources/stack-file.js';

/**
 * Where the CLI finds the system's tables, topics, queues and functions:
 * a local stack description (the JSON line `npm run stack` prints, parsed in
 * resources/stack-file.ts), or the outputs of the deployed CloudFormation
 * stack (resources/outputs.ts).
 */

/** Service endpoints of a local stack. */
export interface Endpoints {
  dynamodb: string;
  dynamodbStreams: string;
  sns: string;
  sqs: string;
  /** STS, where the CLI assumes the subscription manager role (a local stack's gateway serves AssumeRole). */
  sts?: string;
  /**
   * Lambda, where `dlq redrive` invokes the stream functions (a local stack's
   * gateway serves Invoke). Absent from a line printed by a stack that did not.
   */
  lambda?: string;
}

/** A stream-consuming function, as far as the stack description knows it. */
export interface FunctionRef {
  /** Lambda function name: what `dlq redrive` invokes, on AWS and on a local stack. */
  name?: string;
}

export type { FunctionKey } from './resources/functions.js';

/** Everything a command may touch. */
export interface Resources {
  origin: 'local' | 'aws';
  /** Where the description came from, for messages. */
  source: string;
  region: string;
  /** Present for a local stack: SDK clients are pointed at these. */
  endpoints?: Endpoints;
  /**
   * Table names. `history` (the audit trail) is absent for a stack deployed,
   * or a local stack line printed, before it existed; only the commands that
   * read it need it.
   */
  tables: { licenses: string; shipments: string; inventory: string; history?: string };
  /** Topic ARNs. `customerShards` is empty when the stack has one customer topic. */
  topics: { customer: string; customerShards: string[]; logistics: string; ops: string };
  /** Queue URLs of the stream consumers' on-failure destinations. */
  dlqs: Record<FunctionKey, string>;
  /**
   * The dead-letter queue `clearance subscribe` sets on every subscription.
   * Absent in a stack deployed (or a local stack line printed) before it existed.
   */
  subscriptionDlq?: { url: string; arn: string };
  functions: Partial<Record<FunctionKey, FunctionRef>>;
  /** The role whose credentials manage subscriptions (the customer topics deny everyone else). */
  subscriptionManagerRoleArn?: string;
}

/** How the operator pointed at a stack. */
export interface StackSelection {
  stackFile?: string;
  stackName?: string;
  region?: string;
}

/** Reads a deployed stack's outputs. */
export type DescribeStack = (
  stackName: string,
  region: string | undefined,
) => Promise<{ outputs: Record<string, string>; region: string }>;

/** What resolution needs from the outside world; tests replace it. */
export interface ResolveDeps {
  readFile(path: string): Promise<string>;
  describeStack: DescribeStack;
  /** STACK_ID and STACK_OUTPUTS of infra/outputs.ts. */
  stackConstants(): Promise<{ stackId: string; outputs: OutputKeys }>;
}

/**
 * Resolves the resources, first match wins: `--stack-file`, `--stack-name`
 * (AWS), `CLEARANCE_STACK_FILE`, `CLEARANCE_STACK`, then the deployed stack
 * named STACK_ID.
 */
export async function resolveResources(
  selection: StackSelection,
  env: Readonly<Record<string, string | undefined>>,
  deps: ResolveDeps = defaultResolveDeps,
): Promise<Resources> {
  if (selection.stackFile !== undefined && selection.stackName !== undefined) {
    throw new UsageError(
      'pass either --stack-file (a local stack) or --stack-name (a deployed stack), not both',
    );
  }
  const fromFile = async (path: string, how: string): Promise<Resources> => {
    let text: string;
    try {
      text = await deps.readFile(path);
    } catch (cause) {
      throw explainReadError(cause, path, how);
    }
    return parseStackFile(text, `${path} (${how})`);
  };
  // --region names where a deployed stack is: with a local stack it would be dropped without a word.
  const regionFor = (local: string) =>
    new UsageError(
      `--region names the region of a deployed stack, but ${local} selects a local stack; pass --stack-name for a deployed one${local === '--stack-file' ? '' : ` (or unset ${local})`}, or leave out --region`,
    );
  if (selection.stackFile !== undefined) {
    if (selection.region !== undefined) throw regionFor('--stack-file');
    return fromFile(selection.stackFile, '--stack-file');
  }
  if (selection.stackName === undefined) {
    const file = env.CLEARANCE_STACK_FILE;
    const inline = env.CLEARANCE_STACK;
    const local = file?.trim() ? 'CLEARANCE_STACK_FILE' : inline?.trim() ? 'CLEARANCE_STACK' : undefined;
    if (local !== undefined && selection.region !== undefined) throw regionFor(local);
    if (file !== undefined && file.trim() !== '') return fromFile(file, 'CLEARANCE_STACK_FILE');
    if (inline !== undefined && inline.trim() !== '') return parseStackFile(inline, 'CLEARANCE_STACK');
  }
  const constants = await deps.stackConstants();
  const stackName = selection.stackName ?? constants.stackId;
  const { outputs, region } = await deps.describeStack(stackName, selection.region);
  return resourcesFromOutputs(outputs, constants.outputs, { stackName, region });
}

const defaultResolveDeps: ResolveDeps = {
  readFile: (path) => readFile(path, 'utf8'),
  describeStack: describeStackOutputs,
  async stackConstants() {
    const { STACK_ID, STACK_OUTPUTS } = await import('../infra/outputs.js');
    return { stackId: STACK_ID, outputs: STACK_OUTPUTS };
  },
};
