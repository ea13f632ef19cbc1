/**
 * Virtual time for the AWS model: a discrete-event scheduler. Inside `run`,
 * `setTimeout`, `clearTimeout`, `Date.now` and `Math.random` are the model's
 * (seeded, virtual); each step waits for a real `setImmediate`, so every
 * pending microtask has run before the clock moves to the next event.
 * `new Date()` without arguments still reads the real clock: the engines get
 * their time through `deps.now`, which the model builds on `now()`.
 */
import { mulberry32 } from '../../local/random.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A binary min-heap of timers by (at, seq). */
class TimerHeap {
  private readonly items: Timer[] = [];
  get size(): number {
    return this.items.length;
  }
  push(t: Timer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i] as Timer, a[p] as Timer)) break;
      [a[i], a[p]] = [a[p] as Timer, a[i] as Timer];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let m = i;
      if (l < a.length && before(a[l] as Timer, a[m] as Timer)) m = l;
      if (r < a.length && before(a[r] as Timer, a[m] as Timer)) m = r;
      if (m === i) return top;
      [a[i], a[m]] = [a[m] as Timer, a[i] as Timer];
      i = m;
    }
  }
}

const before = (x: Timer, y: Timer) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

/** The model's clock: milliseconds since the epoch, moved only by the scheduler. */
export class VirtualClock {
  private current: number;
  private seq = 0;
  private readonly heap = new TimerHeap();
  /** Events run so far (timers fired). */
  events = 0;
  readonly random: () => number;

  constructor(start: number, seed: number) {
    this.current = start;
    this.random = mulberry32(seed);
  }

  now(): number {
    return this.current;
  }

  /** Runs `fn` after `ms` of virtual time. */
  schedule(ms: number, fn: () => void): Timer {
    const t: Timer = { at: this.current + Math.max(0, ms), seq: ++this.seq, fn, cancelled: false };
    this.heap.push(t);
    return t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve));
  }

  /** A uniform draw from [lo, hi], from the seeded generator. */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /**
   * Runs `main` in virtual time: the globals are swapped for the model's
   * until `main` settles and no timer is left (or only `max` ms more pass).
   */
  async run<T>(main: () => Promise<T>): Promise<T> {
    const saved = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      now: Date.now,
      random: Math.random,
    };
    const realImmediate = globalThis.setImmediate;
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.schedule(ms ?? 0, () => fn(...args));
    g.clearTimeout = (t: Timer | undefined) => {
      if (t && typeof t === 'object' && 'cancelled' in t) t.cancelled = true;
    };
    Date.now = () => this.current;
    Math.random = this.random;
    let settled = false;
    let failure: { error: unknown } | undefined;
    let value: T | undefined;
    main().then(
      (v) => {
        value = v;
        settled = true;
      },
      (error: unknown) => {
        failure = { error };
        settled = true;
      },
    );
    try {
      for (;;) {
        await new Promise<void>((resolve) => realImmediate(resolve));
        const next = this.heap.pop();
        if (next === undefined) break;
        if (next.cancelled) continue;
        this.current = next.at;
        this.events++;
        next.fn();
      }
    } finally {
      g.setTimeout = saved.setTimeout;
      g.clearTimeout = saved.clearTimeout;
      Date.now = saved.now;
      Math.random = saved.random;
    }
    if (failure) throw failure.error;
    if (!settled) throw new Error('the model stalled: no event left and the run has not finished');
    return value as T;
  }
}
