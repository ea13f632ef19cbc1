/**
 * What `clearance dlq redrive` did with each message, and its report: one
 * line per message, what the DLQs still hold, and what to do about it.
 */
import type { FailureRecord } from './dlq-records.js';
import { plural } from './format.js';

/** What became of one DLQ message. */
export interface Outcome {
  queue: string;
  messageId: string;
  range?: string;
  table?: string;
  records: number;
  /**
   * discarded: gone from the stream, and deleted as --delete-gone asked. lapsed: this run lost its hold
   * on the message (another run may have it), and left it alone. undeleted: settled, but SQS did not
   * delete it (the run stopped there).
   */
  result: 'redriven' | 'failed' | 'gone' | 'invalid' | 'discarded' | 'lapsed' | 'undeleted';
  /** For a discarded message: the on-failure record it held. */
  record?: FailureRecord;
  /** For an invalid message: its DLQ's URL, for the advice on deleting it by hand. */
  queueUrl?: string;
  /** Set when the stream returned only part of the range: nothing was replayed. */
  incomplete?: true;
  detail: string;
}

/** Whether this run is done with the message: replayed, or (--delete-gone) deleted as gone. */
export const settled = (o: Outcome) => o.result === 'redriven' || o.result === 'discarded';

/**
 * What to do about messages that are not on-failure records: nothing can
 * redrive them, so every run leaves them. `queueUrls`: the DLQs that hold
 * them, when known.
 */
export function invalidAdvice(queueUrls: readonly string[] = []): string {
  const url = queueUrls.length === 1 ? queueUrls[0] : '<DLQ URL>';
  const urls = queueUrls.length > 1 ? ` (DLQ URLs: ${queueUrls.join(', ')})` : '';
  return `INVALID messages are not on-failure records: nothing can redrive them. See their bodies with \`clearance dlq list --json\` and find where they came from; then delete each by hand${urls}: \`aws sqs receive-message --queue-url ${url} --max-number-of-messages 10 --visibility-timeout 60\` gives its ReceiptHandle (find it by its MessageId), then \`aws sqs delete-message --queue-url ${url} --receipt-handle <ReceiptHandle>\`.`;
}

/** A DLQ after the redrive, as SQS counts it (approximately). */
export interface QueueLeft {
  queue: string;
  visible: number;
  inFlight: number;
}

/**
 * How many messages the DLQs still hold after the run (not only those this run
 * read and left: --max, or another operator's run, may leave others unread),
 * and what to do about those it did not read.
 */
export function leftInQueues(
  outcomes: readonly Outcome[],
  queues: readonly QueueLeft[],
  max: number,
): { total: number; lines: string[] } {
  const total = queues.reduce((n, q) => n + q.visible + q.inFlight, 0);
  const held = queues
    .filter((q) => q.visible + q.inFlight > 0)
    .map(
      (q) =>
        `${q.queue}: ${q.visible + q.inFlight}${q.inFlight > 0 ? `, ${q.inFlight} of them in flight` : ''}`,
    );
  const lines = [
    `${plural(total, 'message')} left in the DLQ${total > 0 ? ` (${held.join('; ')}; SQS's approximate count)` : ''}.`,
  ];
  const keptHere = outcomes.filter((o) => !settled(o)).length;
  if (total > keptHere) {
    const full = queues.filter((q) => outcomes.filter((o) => o.queue === q.queue).length >= max);
    const why = [
      ...(full.length > 0 ? [`this run read at most --max ${max} per queue`] : []),
      ...(queues.some((q) => q.inFlight > 0)
        ? ['messages in flight are being listed or redriven elsewhere']
        : []),
    ];
    lines.push(
      `Some of them were not read by this run${why.length > 0 ? ` (${why.join('; ')})` : ''}: run \`clearance dlq redrive\` again${full.length > 0 ? ', or with a larger --max' : ''}.`,
    );
  }
  return { total, lines };
}

/** The human summary of a redrive: one line per message, then what is left and what to do about it. */
export function redriveReport(
  outcomes: readonly Outcome[],
  remaining: { total: number; lines: string[] },
): string {
  if (outcomes.length === 0 && remaining.total === 0) return 'Nothing to redrive: the DLQs are empty.';
  const left = outcomes.filter((o) => !settled(o));
  const lines = outcomes.map(
    (o) =>
      `${o.result.toUpperCase().padEnd(9)} ${o.queue} ${o.table ?? ''} ${o.range ?? o.messageId}: ${plural(o.records, 'record')}; ${o.detail}`,
  );
  const redriven = outcomes.filter((o) => o.result === 'redriven').length;
  const discarded = outcomes.length - left.length - redriven;
  const [count, ...unread] = remaining.lines;
  const deleted = discarded > 0 ? `; deleted ${plural(discarded, 'message')} whose records were gone` : '';
  lines.push('', `Redrove ${plural(redriven, 'message')}${deleted}; ${count}`, ...unread);
  if (left.some((o) => o.result === 'gone')) {
    lines.push(
      'Some records are older than the stream keeps them (24 hours) and cannot be replayed. The changes themselves are in the tables: run `clearance reconcile` to find the drift they left, then `clearance reconcile --fix`, then delete those messages with `clearance dlq redrive --delete-gone` (add --queue to limit it to one DLQ).',
    );
  }
  if (left.some((o) => o.incomplete)) {
    lines.push(
      'The stream returned only part of some ranges (it may answer empty pages before later records): nothing of those was replayed. Run `clearance dlq redrive` again.',
    );
  }
  const invalidIn = [
    ...new Set(left.flatMap((o) => (o.result === 'invalid' && o.queueUrl ? [o.queueUrl] : []))),
  ];
  if (left.some((o) => o.result === 'invalid')) lines.push(invalidAdvice(invalidIn));
  if (left.some((o) => o.result === 'lapsed')) {
    lines.push(
      'This run lost its hold on some messages (SQS refused to keep them hidden: another run may have received them) and left them alone. Run `clearance dlq redrive` again once no other run is going; replaying records twice is safe.',
    );
  }
  if (left.some((o) => o.result === 'failed' && !o.incomplete)) {
    lines.push(
      'Failed records failed again: fix the cause (see the function logs and the ops topic), then redrive again.',
    );
  }
  return lines.join('\n');
}
