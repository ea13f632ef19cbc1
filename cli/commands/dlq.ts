import type { Message } from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import type { Clients } from '../clients.js';
import { type CliContext, explainError } from '../context.js';
import {
  chunkRecords,
  compareSequence,
  type DlqEntry,
  type FailureSummary,
  parseDlqMessage,
  summarizeFailure,
} from '../dlq-records.js';
import { HOLD_SECONDS, Hold, queueDepth, receive, release } from '../dlq-sqs.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { plural } from '../format.js';
import { progress } from '../io.js';
import { type InvokeResult, type Invoker, lambdaInvoker, readRange } from '../redrive.js';
import {
  invalidAdvice,
  leftInQueues,
  type Outcome,
  type QueueLeft,
  redriveReport,
  settled,
} from '../redrive-report.js';
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

interface Row {
  queue: QueueName;
  entry: DlqEntry;
  summary?: FailureSummary;
}

const toRow = (queue: QueueName, message: Message, now: Date): Row => {
  const entry = parseDlqMessage(message);
  return entry.ok ? { queue, entry, summary: summarizeFailure(entry.record, now) } : { queue, entry };
};

/** What `dlq list --json` gives of a row: the failure, or why it is not an on-failure record and its body. */
const listed = (row: Row, queueUrl: string) =>
  row.entry.ok ? { failure: row.summary } : { problems: row.entry.problems, body: row.entry.body, queueUrl };

/** Lists on-failure records without consuming them. */
export async function dlqList(ctx: CliContext, opts: { queue?: string; max: number }): Promise<number> {
  const r = await ctx.resources();
  const { sqs } = await ctx.clients();
  const rows: (Row & { url: string })[] = [];
  const notes: string[] = [];
  const now = new Date();
  for (const queue of parseQueues(opts.queue)) {
    const url = r.dlqs[QUEUE_NAMES[queue]];
    const { visible, inFlight: hidden } = await queueDepth(sqs, url);
    if (hidden > 0)
      notes.push(
        `${queue}: ${plural(hidden, 'message')} in flight (being listed or redriven elsewhere), not shown`,
      );
    const messages = await receive(sqs, url, opts.max, 30);
    const parsed = messages.map((m) => ({ ...toRow(queue, m, now), url }));
    await release(
      sqs,
      url,
      parsed.map((p) => p.entry),
    );
    if (messages.length >= opts.max && visible > messages.length)
      notes.push(`${queue}: ${visible - messages.length} more not shown (--max ${opts.max})`);
    rows.push(...parsed);
  }
  ctx.emit(
    rows.map((row) => ({ queue: row.queue, messageId: row.entry.messageId, ...listed(row, row.url) })),
    () => {
      const lines = [dlqTable(rows)];
      if (rows.some((row) => row.summary?.expired)) {
        lines.push(
          '',
          'Records older than 24 hours are gone from the stream and cannot be redriven. The changes they carried are in the tables: run `clearance reconcile` to find and repair the drift they left.',
        );
      }
      if (rows.some((row) => row.summary?.partlyExpired)) {
        lines.push(
          '',
          'A range marked partly gone began more than 24 hours ago: the stream has trimmed its first records, not the rest. `clearance dlq redrive` replays what is left (soon, before that ages out too); then run `clearance reconcile` for what the trimmed records carried.',
        );
      }
      const invalidIn = [...new Set(rows.filter((row) => !row.entry.ok).map((row) => row.url))];
      if (invalidIn.length > 0) lines.push('', invalidAdvice(invalidIn));
      if (rows.some((row) => row.entry.ok))
        lines.push('', 'Reprocess them with `clearance dlq redrive` once the cause is fixed.');
      lines.push(...notes.map((b) => `Note: ${b}`));
      return lines.join('\n');
    },
  );
  // --json prints the rows only: the notes go to stderr, as `dlq redrive` does with what it leaves.
  if (ctx.json) for (const b of notes) ctx.io.err(`Note: ${b}`);
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

/** A DLQ whose messages this run has received: those it holds are kept hidden. */
interface HeldQueue extends RedriveQueue {
  hold: Hold;
}

type Redrivable = Extract<DlqEntry, { ok: true }>;

/** What a replay decided: the message's outcome, and whether to delete it (else it is made visible again). */
interface Verdict {
  outcome: Outcome;
  remove: boolean;
}

/** Stream order: by stream, shard, then sequence number. Messages that are not on-failure records go last. */
const byStreamPosition = (a: Row, b: Row): number =>
  a.summary && b.summary
    ? a.summary.streamArn.localeCompare(b.summary.streamArn) ||
      a.summary.shardId.localeCompare(b.summary.shardId) ||
      compareSequence(a.summary.startSequenceNumber, b.summary.startSequenceNumber)
    : Number(!a.summary) - Number(!b.summary);

/** A row's identity in the report: its queue, message, and (for an on-failure record) its range and table. */
const rowBase = (queue: QueueName, row: Row) => {
  const s = row.summary;
  return {
    queue,
    messageId: row.entry.messageId,
    ...(s ? { range: `${s.startSequenceNumber}..${s.endSequenceNumber}`, table: s.table } : {}),
  };
};

/**
 * Reads a message's records back from the stream and invokes the function
 * with them. The message is to be deleted when every invocation reported no
 * failures; otherwise made visible again.
 */
async function replay(q: HeldQueue, entry: Redrivable, s: FailureSummary): Promise<Verdict> {
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
    const detail = `${read.reason}; left in the queue`;
    return { remove: false, outcome: { ...base, records: 0, result: 'failed', incomplete: true, detail } };
  }
  const results: InvokeResult[] = [];
  for (const chunk of chunkRecords(read.records)) {
    results.push(await q.invoker.invoke(q.fn, { Records: chunk }));
  }
  const failures = results.flatMap((x) => x.failures);
  const errors = results.flatMap((x) => (x.error ? [x.error] : []));
  const records = read.records.length;
  if (failures.length === 0 && errors.length === 0) {
    // Replayed what the stream still has; the start of the range is gone: the message stays for reconcile.
    if (read.kind === 'partlyGone')
      return gone(q, entry, s, { ...base, records }, `${read.reason}, which were processed`);
    return {
      remove: true,
      outcome: { ...base, records, result: 'redriven', detail: 'processed; message deleted' },
    };
  }
  const why =
    errors[0] ??
    `the function reported ${plural(failures.length, 'record')} as failed again (first ${failures[0]})`;
  return {
    remove: false,
    outcome: { ...base, records, result: 'failed', detail: `${why}; left in the queue` },
  };
}

/**
 * A message whose records are gone from the stream (all, or the start of its
 * range): deleted with --delete-gone, its body written to stderr first (and
 * in the report after the run), so nothing of it is lost even if the run
 * stops before its report; otherwise left in the queue.
 */
function gone(
  q: HeldQueue,
  entry: Redrivable,
  s: FailureSummary,
  base: Omit<Outcome, 'result' | 'detail'>,
  reason: string,
): Verdict {
  if (!q.deleteGone)
    return { remove: false, outcome: { ...base, result: 'gone', detail: `${reason}; left in the queue` } };
  q.ctx.io.err(`discarding a ${q.queue} DLQ message whose records are gone: ${JSON.stringify(entry.record)}`);
  const was = `shard ${s.shardId}, records that arrived ${s.firstRecordAt} to ${s.lastRecordAt}, failed ${s.failedAt} (${s.condition})`;
  return {
    remove: true,
    outcome: {
      ...base,
      result: 'discarded',
      record: entry.record,
      detail: `${reason}; message deleted (--delete-gone); it was ${was}`,
    },
  };
}

/** A message this run no longer holds (see Hold): it leaves it to whichever run does. */
const lapsed = (base: ReturnType<typeof rowBase>, records: number, why: string, not: string): Outcome => ({
  ...base,
  records,
  result: 'lapsed',
  detail: `this run's hold on the message lapsed (SQS refused to keep it hidden: ${why}), so another run may have received it; not ${not} by this run`,
});

/** SQS did not delete a message this run had settled: the run stops (OPERATIONS.md), reporting it UNDELETED. */
class NotDeletedError extends CliError {
  readonly outcome: Outcome;
  constructor(o: Outcome, why: string, cause: unknown) {
    const what = o.result === 'discarded' ? 'whose records are gone' : 'whose records WERE processed';
    super(
      `SQS did not delete ${o.queue} DLQ message ${o.messageId} (${o.table} ${o.range}), ${what}: ${why}`,
      {
        cause,
      },
    );
    const done = o.result === 'discarded' ? 'records gone from the stream' : 'processed';
    this.outcome = {
      ...o,
      result: 'undeleted',
      detail: `${done}, but SQS did not delete the message (${why}); still in the queue, hidden for up to 16 minutes; redriving it again is safe`,
    };
  }
}

/** Deletes the message or makes it visible again, as the verdict says, if this run still holds it. */
async function settle(q: HeldQueue, row: Row, { outcome, remove }: Verdict): Promise<Outcome> {
  const id = row.entry.messageId;
  // The replay may have outlived a renewal: renew once more, so that the receipt used here is current.
  await q.hold.renew([id]);
  const why = q.hold.lapsed.get(id);
  if (why !== undefined)
    return lapsed(rowBase(q.queue, row), outcome.records, why, remove ? 'deleted' : 'made visible again');
  if (!remove) {
    await q.hold.release([row.entry]);
    return outcome;
  }
  try {
    await q.hold.delete(row.entry);
  } catch (error) {
    throw new NotDeletedError(outcome, explainError(error, q.resources).message, error);
  }
  return outcome;
}

/** Makes a message visible again without having redriven it. */
async function leaveInQueue(
  q: HeldQueue,
  entry: DlqEntry,
  result: 'invalid' | 'failed',
  why: string,
): Promise<Outcome> {
  await q.hold.release([entry]);
  return {
    queue: q.queue,
    messageId: entry.messageId,
    records: 0,
    result,
    detail: `${why}; left in the queue`,
    ...(result === 'invalid' ? { queueUrl: q.url } : {}),
  };
}

/**
 * Redrives one message; one that is not an on-failure record, or fails, stays in the queue. An SQS
 * failure while deleting it or making it visible again throws: the run stops.
 */
async function redriveMessage(q: HeldQueue, row: Row): Promise<Outcome> {
  const { entry, summary } = row;
  const why = q.hold.lapsed.get(entry.messageId);
  if (why !== undefined) return lapsed(rowBase(q.queue, row), 0, why, 'replayed');
  if (!entry.ok || !summary) {
    const problems = entry.ok ? '' : entry.problems.join('; ');
    return leaveInQueue(q, entry, 'invalid', `not an on-failure record (${problems})`);
  }
  let verdict: Verdict;
  try {
    verdict = await q.hold.during(() => replay(q, entry, summary));
  } catch (error) {
    // One bad message must not stop the others; it stays in the queue.
    return leaveInQueue(q, entry, 'failed', explainError(error, q.resources).message);
  }
  return settle(q, row, verdict);
}

/**
 * Redrives up to `max` messages of one DLQ, in stream order, adding each
 * outcome to `outcomes` as it is known (so a run stopped by an error can
 * still report what it did). Before each message it renews its hold on all
 * those it has not settled yet (SQS keeps a message hidden at most 12 hours
 * from its first receipt: a longer run finds the rest LAPSED).
 */
async function redriveQueue(r: RedriveQueue, max: number, now: Date, outcomes: Outcome[]): Promise<void> {
  const messages = await receive(r.clients.sqs, r.url, max, HOLD_SECONDS);
  const rows = messages.map((m) => toRow(r.queue, m, now)).sort(byStreamPosition);
  const q: HeldQueue = {
    ...r,
    hold: new Hold(
      r.clients.sqs,
      r.url,
      rows.map((row) => row.entry),
    ),
  };
  const bar = progress(q.ctx.io, `redriving ${q.queue}`, 2000);
  for (const [i, row] of rows.entries()) {
    bar.update(`${i + 1} of ${rows.length}`);
    try {
      await q.hold.renew();
      outcomes.push(await redriveMessage(q, row));
    } catch (error) {
      // SQS failed (renewing, deleting, or making a message visible again): the rest are not tried.
      bar.done(`stopped at ${i + 1} of ${rows.length}`);
      outcomes.push(
        error instanceof NotDeletedError
          ? error.outcome
          : {
              ...rowBase(q.queue, row),
              records: 0,
              result: 'failed',
              detail: `${explainError(error, q.resources).message}; still in the queue, hidden for up to 16 minutes`,
            },
      );
      await q.hold.releaseAll().catch(() => undefined);
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
  const done = outcomes.filter(settled).length;
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
      queues.push({ queue, ...(await queueDepth(clients.sqs, q.url)) });
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
  const allSettled = outcomes.every(settled);
  // SQS's counts lag its deletes (up to about a minute on AWS): only a queue --max cut short is known to
  // hold messages this run did not read. The others were read until empty.
  const cutShort = queues.some(
    (q) => q.visible + q.inFlight > 0 && outcomes.filter((o) => o.queue === q.queue).length >= opts.max,
  );
  return allSettled && !cutShort ? EXIT.ok : EXIT.incomplete;
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
