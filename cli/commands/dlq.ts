import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import type { Clients } from '../clients.js';
import { type CliContext, explainError } from '../context.js';
import {
  chunkRecords,
  type DlqEntry,
  type FailureSummary,
  parseDlqMessage,
  summarizeFailure,
} from '../dlq-records.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { plural } from '../format.js';
import { progress } from '../io.js';
import { type InvokeResult, type Invoker, lambdaInvoker, readRange } from '../redrive.js';
import { leftInQueues, type Outcome, type QueueLeft, redriveReport } from '../redrive-report.js';
import type { FunctionKey, Resources } from '../resources.js';
import { dlqTable } from '../views.js';
import { example, positive, type Wiring } from './wiring.js';

export const QUEUE_NAMES = {
  'license-events': 'licenseEvents',
  'shipment-events': 'shipmentEvents',
  'shipment-history': 'shipmentHistory',
} as const;
type QueueName = keyof typeof QUEUE_NAMES;

export function parseQueues(value: string | undefined): QueueName[] {
  if (value === undefined) return Object.keys(QUEUE_NAMES) as QueueName[];
  if (value in QUEUE_NAMES) return [value as QueueName];
  throw new UsageError(`--queue must be one of ${Object.keys(QUEUE_NAMES).join(', ')}, not "${value}"`);
}

/**
 * Receives up to `max` messages, each once: received messages stay invisible
 * for `hideSeconds` so the loop does not see them again. The caller makes
 * them visible again (or deletes them).
 */
async function receive(
  ctx: CliContext,
  queueUrl: string,
  max: number,
  hideSeconds: number,
): Promise<Message[]> {
  const { sqs } = await ctx.clients();
  const seen = new Map<string, Message>();
  while (seen.size < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) if (m.MessageId && !seen.has(m.MessageId)) seen.set(m.MessageId, m);
  }
  return [...seen.values()];
}

/** Makes messages visible again right away. */
async function release(ctx: CliContext, queueUrl: string, messages: readonly { receiptHandle: string }[]) {
  const { sqs } = await ctx.clients();
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, n) => ({
          Id: String(n),
          ReceiptHandle: m.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/** What SQS counts in a queue (approximately): messages to receive, and those received and not yet deleted or released. */
async function queueDepth(ctx: CliContext, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { sqs } = await ctx.clients();
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

interface Row {
  queue: QueueName;
  entry: DlqEntry;
  summary?: FailureSummary;
}

const toRow = (queue: QueueName, message: Message, now: Date): Row => {
  const entry = parseDlqMessage(message);
  return entry.ok ? { queue, entry, summary: summarizeFailure(entry.record, now) } : { queue, entry };
};

/** Lists on-failure records without consuming them. */
export async function dlqList(ctx: CliContext, opts: { queue?: string; max: number }): Promise<number> {
  const r = await ctx.resources();
  const rows: Row[] = [];
  const busy: string[] = [];
  const now = new Date();
  for (const queue of parseQueues(opts.queue)) {
    const url = r.dlqs[QUEUE_NAMES[queue]];
    const { inFlight: hidden } = await queueDepth(ctx, url);
    if (hidden > 0)
      busy.push(
        `${queue}: ${plural(hidden, 'message')} in flight (being listed or redriven elsewhere), not shown`,
      );
    const messages = await receive(ctx, url, opts.max, 30);
    const parsed = messages.map((m) => toRow(queue, m, now));
    await release(
      ctx,
      url,
      parsed.map((p) => p.entry),
    );
    rows.push(...parsed);
  }
  ctx.emit(
    rows.map((row) => ({
      queue: row.queue,
      messageId: row.entry.messageId,
      ...(row.summary ? { failure: row.summary } : { problems: row.entry.ok ? [] : row.entry.problems }),
    })),
    () => {
      const lines = [dlqTable(rows)];
      if (rows.some((row) => row.summary?.expired)) {
        lines.push(
          '',
          'Records older than 24 hours are gone from the stream and cannot be redriven. The changes they carried are in the tables: run `clearance reconcile` to find and repair the drift they left.',
        );
      }
      if (rows.length > 0)
        lines.push('', 'Reprocess them with `clearance dlq redrive` once the cause is fixed.');
      lines.push(...busy.map((b) => `Note: ${b}`));
      return lines.join('\n');
    },
  );
  return EXIT.ok;
}

/** One DLQ being redriven: where its messages are and what replays them. */
interface RedriveQueue {
  ctx: CliContext;
  resources: Resources;
  clients: Clients;
  invoker: { invoke: Invoker };
  queue: QueueName;
  fn: FunctionKey;
  url: string;
  /** --delete-gone: delete a message whose records are gone from the stream, instead of leaving it. */
  deleteGone: boolean;
}

type Redrivable = Extract<DlqEntry, { ok: true }>;

/** Stream order: by stream, shard, then sequence number (numerically: a shorter one is smaller). */
const byStreamPosition = (a: Row, b: Row): number =>
  a.summary && b.summary
    ? a.summary.streamArn.localeCompare(b.summary.streamArn) ||
      a.summary.shardId.localeCompare(b.summary.shardId) ||
      a.summary.startSequenceNumber.length - b.summary.startSequenceNumber.length ||
      a.summary.startSequenceNumber.localeCompare(b.summary.startSequenceNumber)
    : 0;

/**
 * Reads a message's records back from the stream and invokes the function
 * with them. Deletes the message when every invocation reported no failures;
 * otherwise makes it visible again.
 */
async function replay(q: RedriveQueue, entry: Redrivable, s: FailureSummary): Promise<Outcome> {
  const base = {
    queue: q.queue,
    messageId: entry.messageId,
    range: `${s.startSequenceNumber}..${s.endSequenceNumber}`,
    table: s.table,
  };
  const bar = progress(q.ctx.io, `reading ${base.range} from the stream`, 2000);
  const read = await readRange(q.clients.streams, entry.record.DDBStreamBatchInfo, q.resources.region, {
    onPage: (p) =>
      bar.update(
        `${plural(p.calls, 'GetRecords call')}, ${plural(p.records, 'record')}${p.lastSequenceNumber === undefined ? '' : ` (up to ${p.lastSequenceNumber})`}`,
      ),
  });
  if (read.kind === 'gone') return gone(q, entry, s, { ...base, records: 0 }, read.reason);
  if (read.kind === 'partial') {
    // The rest of the range is still in the stream: keep the message for a later run.
    await release(q.ctx, q.url, [entry]);
    return {
      ...base,
      records: 0,
      result: 'failed',
      incomplete: true,
      detail: `${read.reason}; left in the queue`,
    };
  }
  const results: InvokeResult[] = [];
  for (const chunk of chunkRecords(read.records)) {
    results.push(await q.invoker.invoke(q.fn, { Records: chunk }));
  }
  const failures = results.flatMap((x) => x.failures);
  const errors = results.flatMap((x) => (x.error ? [x.error] : []));
  if (failures.length === 0 && errors.length === 0) {
    // Replayed what the stream still has; the start of the range is gone: the message stays for reconcile.
    if (read.kind === 'partlyGone') {
      const detail = `${read.reason}, which were processed`;
      return gone(q, entry, s, { ...base, records: read.records.length }, detail);
    }
    await q.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: entry.receiptHandle }),
    );
    return {
      ...base,
      records: read.records.length,
      result: 'redriven',
      detail: 'processed; message deleted',
    };
  }
  await release(q.ctx, q.url, [entry]);
  const why =
    errors[0] ??
    `the function reported ${plural(failures.length, 'record')} as failed again (first ${failures[0]})`;
  return { ...base, records: read.records.length, result: 'failed', detail: `${why}; left in the queue` };
}

/**
 * A message whose records are gone from the stream (all, or the start of its
 * range): deleted with --delete-gone, its body written to stderr first (and
 * in the report after the run), so nothing of it is lost even if the run
 * stops before its report; otherwise left in the queue.
 */
async function gone(
  q: RedriveQueue,
  entry: Redrivable,
  s: FailureSummary,
  base: Omit<Outcome, 'result' | 'detail'>,
  reason: string,
): Promise<Outcome> {
  if (!q.deleteGone) {
    await release(q.ctx, q.url, [entry]);
    return { ...base, result: 'gone', detail: `${reason}; left in the queue` };
  }
  q.ctx.io.err(`discarding a ${q.queue} DLQ message whose records are gone: ${JSON.stringify(entry.record)}`);
  await q.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: entry.receiptHandle }));
  const was = `shard ${s.shardId}, records that arrived ${s.firstRecordAt} to ${s.lastRecordAt}, failed ${s.failedAt} (${s.condition})`;
  return {
    ...base,
    result: 'discarded',
    record: entry.record,
    detail: `${reason}; message deleted (--delete-gone); it was ${was}`,
  };
}

/** Makes a message visible again without having redriven it. */
async function leaveInQueue(
  q: RedriveQueue,
  entry: DlqEntry,
  result: 'invalid' | 'failed',
  why: string,
): Promise<Outcome> {
  await release(q.ctx, q.url, [entry]);
  return {
    queue: q.queue,
    messageId: entry.messageId,
    records: 0,
    result,
    detail: `${why}; left in the queue`,
  };
}

/** Redrives one message; one that is not an on-failure record, or fails, stays in the queue. */
async function redriveMessage(q: RedriveQueue, row: Row): Promise<Outcome> {
  const entry = row.entry;
  if (!entry.ok || !row.summary) {
    const problems = entry.ok ? '' : entry.problems.join('; ');
    return leaveInQueue(q, entry, 'invalid', `not an on-failure record (${problems})`);
  }
  try {
    return await replay(q, entry, row.summary);
  } catch (error) {
    // One bad message must not stop the others; it stays in the queue.
    return leaveInQueue(q, entry, 'failed', explainError(error, q.resources).message);
  }
}

/**
 * Redrives up to `max` messages of one DLQ, in stream order, adding each
 * outcome to `outcomes` as it is known (so a run stopped by an error can
 * still report what it did).
 */
async function redriveQueue(q: RedriveQueue, max: number, now: Date, outcomes: Outcome[]): Promise<void> {
  // Hidden for longer than one invocation may take (license-events: up to 15 minutes).
  const messages = await receive(q.ctx, q.url, max, 960);
  const rows = messages.map((m) => toRow(q.queue, m, now)).sort(byStreamPosition);
  const bar = progress(q.ctx.io, `redriving ${q.queue}`, 2000);
  for (const [i, row] of rows.entries()) {
    bar.update(`${i + 1} of ${rows.length}`);
    try {
      outcomes.push(await redriveMessage(q, row));
    } catch (error) {
      // Only making a message visible again can throw here (SQS unreachable): the rest are not tried.
      bar.done(`stopped at ${i + 1} of ${rows.length}`);
      const s = row.summary;
      outcomes.push({
        queue: q.queue,
        messageId: row.entry.messageId,
        ...(s ? { range: `${s.startSequenceNumber}..${s.endSequenceNumber}`, table: s.table } : {}),
        records: 0,
        result: 'failed',
        detail: `${explainError(error, q.resources).message}; still in the queue, hidden for up to 16 minutes`,
      });
      await release(
        q.ctx,
        q.url,
        rows.slice(i).map((r) => r.entry),
      ).catch(() => undefined);
      throw error;
    }
  }
  if (rows.length > 0) bar.done(`${rows.length} processed`);
}

/**
 * A run stopped by an error: the report of what it did (stdout), then an
 * error that says what it did not do, and that running it again is safe.
 */
function stoppedRun(ctx: CliContext, resources: Resources, outcomes: readonly Outcome[], error: unknown) {
  const why = explainError(error, resources).message;
  const note = 'this run stopped before the rest (see the error)';
  ctx.emit(outcomes, () => redriveReport(outcomes, { total: 0, lines: [`${note}.`] }));
  const done = outcomes.filter((o) => o.result === 'redriven' || o.result === 'discarded').length;
  return new CliError(
    `dlq redrive stopped: ${why}. Before it stopped it settled ${plural(done, 'message')} (listed above); every other message is still in its DLQ (those this run had received stay hidden for up to 16 minutes). Run \`clearance dlq redrive\` again once the cause is fixed: a message is deleted only after its records were processed, and processing them twice is safe`,
    { cause: error },
  );
}

/**
 * For each on-failure record: reads its records back from the stream and
 * invokes the function with them (Lambda Invoke, on AWS and on a local stack,
 * whose gateway runs the function's deployed bundle). The message is deleted
 * only when every invocation reported no failures.
 */
export async function dlqRedrive(
  ctx: CliContext,
  opts: { queue?: string; max: number; deleteGone?: boolean },
): Promise<number> {
  const resources = await ctx.resources();
  const clients = await ctx.clients();
  const invoker = await lambdaInvoker(resources, clients.base);
  const outcomes: Outcome[] = [];
  const queues: QueueLeft[] = [];
  const now = new Date();
  try {
    for (const queue of parseQueues(opts.queue)) {
      const fn: FunctionKey = QUEUE_NAMES[queue];
      const url = resources.dlqs[fn];
      const deleteGone = opts.deleteGone === true;
      const q: RedriveQueue = { ctx, resources, clients, invoker, queue, fn, url, deleteGone };
      await redriveQueue(q, opts.max, now, outcomes);
      queues.push({ queue, ...(await queueDepth(ctx, q.url)) });
    }
  } catch (error) {
    // Stopped before it settled anything: the error alone says it all (explained by main).
    throw outcomes.length === 0 ? error : stoppedRun(ctx, resources, outcomes, error);
  } finally {
    invoker.close();
  }
  const remaining = leftInQueues(outcomes, queues, opts.max);
  ctx.emit(outcomes, () => redriveReport(outcomes, remaining));
  // --json prints the outcomes only: what is left goes to stderr with the other notes.
  if (ctx.json) for (const line of remaining.lines) ctx.io.err(line);
  const settled = outcomes.every((o) => o.result === 'redriven' || o.result === 'discarded');
  // SQS's counts lag its deletes (up to about a minute on AWS): only a queue --max cut short is known to
  // hold messages this run did not read. The others were read until empty.
  const cutShort = queues.some(
    (q) => q.visible + q.inFlight > 0 && outcomes.filter((o) => o.queue === q.queue).length >= opts.max,
  );
  return settled && !cutShort ? EXIT.ok : EXIT.incomplete;
}

const queueOption = () =>
  new Option('--queue <queue>', 'only this DLQ (default: all three)').choices(Object.keys(QUEUE_NAMES));

/** `clearance dlq list|redrive`. */
export function registerDlqCommands(program: Command, { act }: Wiring): void {
  const dlq = program
    .command('dlq')
    .description('records the stream functions failed on (on-failure destinations)');
  dlq
    .command('list')
    .description(
      'show failed record ranges: which stream, which records, when and why (messages stay in the queue)',
    )
    .addOption(queueOption())
    .option('--max <n>', 'read at most this many messages per queue', positive, 100)
    .addHelpText('after', example('clearance dlq list', 'clearance dlq list --queue shipment-events --json'))
    .action(act((ctx, opts: { queue?: string; max: number }) => dlqList(ctx, opts)));
  dlq
    .command('redrive')
    .description('read the failed records back from the stream and invoke the function with them again')
    .addOption(queueOption())
    .option('--max <n>', 'redrive at most this many messages per queue', positive, 100)
    .option(
      '--delete-gone',
      'delete the messages whose records are gone from the stream (after `clearance reconcile --fix`); each is written to stderr in full before it is deleted, and listed in the report',
    )
    .addHelpText(
      'after',
      `\nA message is deleted only when the function reports no failures. Records older than 24 hours are gone\nfrom the stream (of a range partly gone, the rest is replayed): for those, run \`clearance reconcile\` (and --fix), then delete them with --delete-gone. Exits 3 while messages are left: those it could not redrive,\nand those --max did not reach (SQS's count after the run, which lags its deletes, is shown, not trusted).\nOn AWS the deployed function is invoked; on a local stack the gateway runs the function's cdk.out bundle.\n${example(
        'clearance dlq redrive',
        'clearance dlq redrive --queue license-events',
        'clearance dlq redrive --queue shipment-events --delete-gone',
      )}`,
    )
    .action(act((ctx, opts: { queue?: string; max: number; deleteGone?: boolean }) => dlqRedrive(ctx, opts)));
}
