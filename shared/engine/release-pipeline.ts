/**
 * The release pass of an APPROVED license, pipelined: the next page of HELD
 * shipments is read and planned while the current transaction commits, and
 * planned writes are carried over page boundaries so that transactions are
 * full (97 releases, their Inventory item, the guarded license update and
 * the license event's tally update),
 * cut so that one transaction moves one Inventory item where it can.
 *
 * A license has at most one transaction in flight: each one updates the
 * license item, so two would conflict with each other. Pages are planned
 * with what the license has left once everything planned commits; when a
 * release is skipped (its shipment changed under the pass), what is in
 * flight is drained, the writes not yet sent are dropped, and the pass reads
 * again from the earliest page they came from (bounded, as before): what is
 * left is then recomputed from what committed.
 */
import type { License } from '../domain/model.js';
import { planRelease, type Remaining, roomOf, validity } from '../domain/planning.js';
import type { CommitResult, ShipmentWrite } from '../domain/ports.js';
import { counterKeyOf, MAX_ACTIONS } from '../domain/transactions.js';
import { announceDrawdown, type Drawn } from './license-drawdown.js';
import {
  approvedGuard,
  commitCounted,
  finish,
  handOver,
  type LicenseEngineDeps,
  outOfTime,
  type Progress,
  parseShipments,
  relabelWrite,
  releaseWrite,
} from './license-work.js';

/** Times a pass reads again after skipped releases before it goes on without (as the unpipelined pass did). */
const MAX_REPLANS = 3;

/** A planned write and the cursor its page was read after (undefined: the first page). */
export interface Planned {
  write: ShipmentWrite;
  from: string | undefined;
}

/**
 * Releases in the first transaction of new work's pass (an approval's,
 * from the first page, which is read at this size). Every license of a
 * burst of approvals has released (and its customer can hear) after one
 * small read and one small transaction each, not one full one each. Its
 * first slice being short, the pass then hands over, even when the whole
 * backlog would fit one page.
 */
export const FIRST_TRANSACTION = 5;

/**
 * Shipment writes of one transaction beside its guarded license update and,
 * where the license event's tally is kept (not in `license simulate` or the
 * AWS model), the tally's update.
 */
export const roomBeside = (tally: boolean): number => MAX_ACTIONS - 1 - (tally ? 1 : 0);

/**
 * The writes of the next transaction, taken from `buffer` (planned writes in
 * plan order), or undefined when it should wait for more: a transaction
 * is sent once it is full, unless `force` (the end of a pass, or a
 * hand-over). One Inventory item's writes fill a transaction alone when
 * there are enough of them (`room` less the item's update: 97 with a
 * tally, 98 without). Otherwise, once the buffer holds four
 * transactions' worth, the largest groups go first, whole where they fit.
 * Forced, what is left goes in one transaction if it fits, else the largest
 * group alone. Within a transaction writes keep plan order; planning
 * itself (which shipments get quantity) is not changed by the cut.
 */
export function takeTransaction<T extends Planned>(
  buffer: readonly T[],
  force: boolean,
  room = roomBeside(true),
): T[] | undefined {
  if (buffer.length === 0) return undefined;
  // Buffered writes from which a transaction may mix Inventory items: four transactions' worth.
  const mixedAfter = 4 * (room - 1);
  const byKey = new Map<string, T[]>();
  for (const p of buffer) {
    const key = counterKeyOf(p.write);
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  for (const [key, list] of byKey) {
    const alone = room - (key === '' ? 0 : 1);
    if (list.length >= alone) return list.slice(0, alone);
  }
  if (!force && buffer.length < mixedAfter) return undefined;
  const actionsOf = (key: string, n: number) => n + (key === '' ? 0 : 1);
  const total = [...byKey].reduce((n, [key, list]) => n + actionsOf(key, list.length), 0);
  if (force && total <= room) return [...buffer];
  if (force) {
    // What is left does not fit one transaction: the largest group alone, so the rest stays grouped too.
    const [key, list] = [...byKey].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    return list.slice(0, room - actionsOf(key, 0));
  }
  const chosen = new Set<T>();
  let actions = 0;
  for (const [key, list] of [...byKey].sort((a, b) => b[1].length - a[1].length)) {
    const left = room - actions - (key === '' ? 0 : 1);
    if (left <= 0) continue;
    const taken = list.slice(0, left);
    for (const p of taken) chosen.add(p);
    actions += taken.length + (key === '' ? 0 : 1);
  }
  return buffer.filter((p) => chosen.has(p));
}

type Settled = { ok: true; sent: Planned[]; result: CommitResult } | { ok: false; error: unknown };

/** The earlier of two cursors of one index; undefined (the first page) is the earliest. */
const earlier = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? undefined : a < b ? a : b;

/** The cursor of the earliest page that planned writes came from (`planned` not empty). */
const earliestPage = (planned: readonly Planned[]) => planned.map((p) => p.from).reduce(earlier);

/** What releases among `writes` draw: units and value. */
function drawOf(writes: readonly ShipmentWrite[]): Drawn {
  const out = { quantity: 0, value: 0 };
  for (const write of writes) {
    out.quantity += Math.max(0, write.license?.quantity ?? 0);
    out.value += Math.max(0, write.license?.value ?? 0);
  }
  return out;
}

/**
 * The writes a release pass has planned and not yet seen committed: a
 * buffer, and at most one transaction in flight. `drawn` follows what
 * committed.
 */
export class ReleasePipe {
  private buffer: Planned[] = [];
  private inFlight: { sent: Planned[]; settled: Promise<Settled> } | undefined;
  private replans = 0;
  /** Set when releases were skipped: the cursor to read again from. */
  private restartAt: { from: string | undefined } | undefined;
  /** Whether a transaction of this pipe has committed writes. */
  private committedAny = false;

  /** The first transaction's cut while it is not yet sent. */
  private firstCut: number | undefined;

  /**
   * @param firstSize the first transaction carries at most this many writes, in plan order, and is
   *   sent as soon as there are any (undefined: it is cut as the others are); the slice reads its
   *   first page at this size too (releaseLoop).
   * @param room actions a transaction has for shipment writes and Inventory items ({@link roomBeside}).
   */
  constructor(
    private readonly send: (writes: ShipmentWrite[]) => Promise<CommitResult>,
    private readonly drawn: Drawn,
    readonly firstSize: number | undefined,
    private readonly room: number,
  ) {
    this.firstCut = firstSize;
  }

  /** Adds a page's planned writes, read after cursor `from`. */
  add(writes: readonly ShipmentWrite[], from: string | undefined): void {
    for (const write of writes) this.buffer.push({ write, from });
  }

  /** Writes planned and not yet sent. */
  planned(): number {
    return this.buffer.length;
  }

  /** What the planned and uncommitted releases will draw. */
  outstanding(): Drawn {
    return drawOf([...this.buffer, ...(this.inFlight?.sent ?? [])].map((p) => p.write));
  }

  /**
   * Sends every full transaction (every transaction, with `force`, and waits
   * for the last), one at a time: each waits for the one before it. Stops at
   * a skipped release (see {@link ReleasePipe.takeRestart}), and once `until`
   * has passed after a transaction of this pipe committed: the slice is over,
   * and what is planned and not sent is the next slice's ({@link
   * ReleasePipe.takeUnsent}), even on the pass's last page.
   */
  async pump(force: boolean, until = Number.POSITIVE_INFINITY): Promise<void> {
    while (this.restartAt === undefined) {
      const next =
        this.firstCut !== undefined && this.buffer.length > 0
          ? this.buffer.slice(0, this.firstCut)
          : takeTransaction(this.buffer, force, this.room);
      if (next === undefined) break;
      this.firstCut = undefined;
      await this.settle();
      if (this.restartAt !== undefined) break;
      if (this.committedAny && Date.now() >= until) break;
      const sent = new Set(next);
      this.buffer = this.buffer.filter((p) => !sent.has(p));
      this.inFlight = {
        sent: next,
        settled: this.send(next.map((p) => p.write)).then(
          (result): Settled => ({ ok: true, sent: next, result }),
          (error: unknown): Settled => ({ ok: false, error }),
        ),
      };
    }
    if (force) await this.settle();
  }

  /** The cursor to read again from after skipped releases (once), or undefined. */
  takeRestart(): { from: string | undefined } | undefined {
    const at = this.restartAt;
    this.restartAt = undefined;
    return at;
  }

  /**
   * Drops the writes planned and not sent, and returns the cursor of the
   * earliest page they came from (undefined when there were none): the next
   * slice reads them again, with what is left then.
   */
  takeUnsent(): { from: string | undefined } | undefined {
    if (this.buffer.length === 0) return undefined;
    const from = earliestPage(this.buffer);
    this.buffer = [];
    return { from };
  }

  /** Waits for the transaction in flight, if any; a failure of it is thrown. */
  async settle(): Promise<void> {
    const pending = this.inFlight;
    if (pending === undefined) return;
    this.inFlight = undefined;
    const done = await pending.settled;
    if (!done.ok) throw done.error;
    if (done.result.committed.length > 0) this.committedAny = true;
    const committed = drawOf(done.result.committed);
    this.drawn.quantity += committed.quantity;
    this.drawn.value += committed.value;
    const skipped = new Set(done.result.skipped.filter((w) => w.license).map((w) => w.shipmentId));
    if (skipped.size === 0) {
      this.replans = 0;
      return;
    }
    // Past the bound the pass goes on: the skipped releases no longer count as outstanding.
    if (this.replans >= MAX_REPLANS) return;
    this.replans++;
    // Read again from the earliest page of a skipped release or of a write not yet sent (dropped here).
    const replanned = [...done.sent.filter((p) => skipped.has(p.write.shipmentId)), ...this.buffer];
    this.buffer = [];
    this.restartAt = { from: earliestPage(replanned) };
  }

  /** Waits for what is in flight, ignoring its failure (the pass is failing already). */
  async abandon(): Promise<void> {
    await this.inFlight?.settled;
    this.inFlight = undefined;
  }
}

/** What a license has left to plan with: its limits less what committed and what is planned. */
function remainingFor(license: License, drawn: Drawn, outstanding: Drawn): Remaining {
  const left = roomOf({ ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value });
  return {
    quantity: left.quantity - outstanding.quantity,
    ...(left.value === undefined ? {} : { value: left.value - outstanding.value }),
  };
}

/** What ran before a release pass, at the start of an approved license's pass. */
export interface BeforeRelease {
  /** An amendment's pass whose alert is given: hand over as a plain pass (see handOver). */
  amendmentAlerted?: boolean;
  /** A trim back within lowered limits ran (see announceDrawdown). */
  trimmed?: boolean;
}

/**
 * Releases an APPROVED license's HELD shipments in hold order from `cursor`,
 * pipelined (see the module comment); new work's first transaction is
 * small ({@link LicenseEngineDeps.firstTransaction}). At `deadline` the
 * transaction in flight commits and the pass hands over at the earliest page
 * of what it planned and did not send (a slice that has committed nothing
 * commits what it planned first). Drawdown alerts are judged on what
 * committed.
 */
export async function releasePass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
  before: BeforeRelease = {},
): Promise<boolean> {
  const guard = approvedGuard(license, token);
  // What the license draws as this slice's releases commit: its drawdown alerts are judged at the end.
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  const pipe = new ReleasePipe(
    (writes) => commitCounted(deps, license, writes, guard, progress),
    drawn,
    cursor === undefined ? deps.firstTransaction : undefined,
    roomBeside(deps.tally !== undefined),
  );
  try {
    return await releaseLoop(deps, license, token, cursor, deadline, progress, pipe, drawn, before);
  } finally {
    await pipe.abandon();
  }
}

/** Nothing written by the slice, and nothing planned to be. */
const readOnly = (progress: Progress, pipe: ReleasePipe) => progress.writes === 0 && pipe.planned() === 0;

async function releaseLoop(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
  pipe: ReleasePipe,
  drawn: Drawn,
  before: BeforeRelease,
): Promise<boolean> {
  const pageSize = deps.pageSize ?? 200;
  // New work's first slice reads one page of its first transaction's size and waits for that transaction
  // before it reads on: in a burst of approvals, the pages read ahead would be read again by the next slice,
  // and they take the store's time from the other licenses' first transactions (issue 17's fairness).
  let firstPage = pipe.firstSize;
  let after = cursor;
  let waiting = cursor !== undefined ? license.waitingForValidFrom : undefined;
  for (;;) {
    if (outOfTime(deadline, progress) || (Date.now() >= deadline && pipe.planned() > 0)) {
      // What is in flight commits; what is planned and not sent is read again by the next slice. But a
      // hand-over needs progress, or the next slice repeats this one: with none yet, everything planned commits.
      await pipe.settle();
      if (progress.writes === 0) await pipe.pump(true);
      const at = pipe.takeRestart() ?? pipe.takeUnsent();
      if (progress.writes > 0) {
        await announceDrawdown(deps, license, token, drawn, before.trimmed);
        // Before validFrom the pages read only relabel: the next slice starts again from the start, since by
        // then validFrom may have passed, and the shipments first in hold order must get the room first.
        const next = waiting !== undefined ? undefined : at ? at.from : after;
        return handOver(deps, license, token, next, before.amendmentAlerted);
      }
      if (at) after = at.from;
    }
    // A slice that only reads (nothing fits, nothing to relabel: a used-up license with a long backlog) hands
    // over at its deadline too, from where it read to: its cursor has moved on, so the next slice progresses.
    // Not before validFrom, where a slice starts again from the start.
    if (Date.now() >= deadline && readOnly(progress, pipe) && waiting === undefined && after !== cursor) {
      await pipe.settle();
      if (readOnly(progress, pipe)) return handOver(deps, license, token, after, before.amendmentAlerted);
    }
    const page = await deps.shipments.page('held', license.licenseId, after, firstPage ?? pageSize);
    const now = deps.now();
    if (waiting !== undefined && validity(license, now) !== 'early') {
      // validFrom passed during the pass: the pages read before it were only relabelled, and the room must
      // go to the shipments first in hold order. Read again from the start (relabels in flight commit; the
      // ones not sent are planned again), as the next slice would after a hand-over before validFrom.
      await pipe.settle();
      pipe.takeUnsent();
      pipe.takeRestart();
      after = undefined;
      waiting = undefined;
      continue;
    }
    const plan = planRelease(
      license,
      parseShipments(page.items),
      remainingFor(license, drawn, pipe.outstanding()),
      now,
    );
    const releasedAt = now.toISOString();
    pipe.add(
      [
        ...plan.release.map((s) => releaseWrite(license.licenseId, s, releasedAt)),
        ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
      ],
      after,
    );
    // Before validFrom every matching shipment stays HELD, relabelled now or by an earlier pass (a repeated
    // release request relabels nothing): the clock must still wake this license at validFrom.
    if (validity(license, now) === 'early') waiting = license.validFrom;
    await pipe.pump(page.next === undefined, deadline);
    // The first page's transaction commits before anything more is read (see `firstPage`).
    if (firstPage !== undefined) {
      firstPage = undefined;
      await pipe.settle();
    }
    const restart = pipe.takeRestart();
    if (restart) {
      // A shipment we meant to release changed under us: read again with what is left.
      after = restart.from;
      continue;
    }
    if (page.next === undefined) {
      if (pipe.planned() === 0) break;
      // The slice ended while the last page's writes were being sent: the top of the loop hands over.
      continue;
    }
    after = page.next;
  }
  await announceDrawdown(deps, license, token, drawn, before.trimmed);
  return finish(deps, license, token, waiting);
}
