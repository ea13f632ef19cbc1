/**
 * `npm run bench -- --model aws`: the AWS model (bench/model-aws). Runs two
 * cases, 1 license × N shipments and 50 licenses × N in all (uneven
 * backlogs), prints a table and writes bench/results/model-aws.json with the
 * figures and the assumptions they rest on.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { RELEASE_FIRST_SLICE_MS, STREAM_RETRY_ATTEMPTS } from '../../infra/tuning.js';
import {
  HOT_FOR_MS,
  SINGLE_PUT_CONCURRENCY,
  THROTTLED_PATIENCE_MS,
} from '../../shared/adapters/dynamo/history-repository.js';
import { INDEX_KEY_SPREAD } from '../../shared/domain/index-keys.js';
import { FIRST_TRANSACTION } from '../../shared/engine/release-pipeline.js';
import { gitState } from '../git-state.js';
import { type CaseResult, runCase } from './case.js';
import { NEW_TABLE_WRU } from './dynamo.js';
import { DEFAULT_CONFIG, type ModelConfig } from './model.js';

export const MODEL_USAGE = `Usage: npm run bench -- --model aws [options]

Options:
  --model-shipments N            shipments per case (default 1000000)
  --model-licenses N             licenses of the many-licenses case (default 50)
  --model-license-batch N        license-events batch size (default ${DEFAULT_CONFIG.licenseBatch}, as deployed)
  --model-license-concurrency N  shipment transactions in flight across a batch's licenses (default ${DEFAULT_CONFIG.licenseConcurrency}, as deployed)
  --model-publish-concurrency N  PublishBatch calls in flight per audience (default ${DEFAULT_CONFIG.publishConcurrency}, as deployed)
  --model-shards N               Shipments stream shards (default ${DEFAULT_CONFIG.shipmentShards})
  --model-hold FROM,TO           a transaction's hold on its items, as fractions of its latency (default 0,1)
  --model-cpu-scale F            multiplies the handlers' measured CPU (default 1; about 1.7 for a 1,024 MB
                                 function's 0.58 vCPU if its core is as fast as the measuring machine's)
  --model-table-wru T=N,...      write units a second a table or GSI sustains (default shipments,
                                 shipments.held, shipments.released 20000: pre-warmed; others ${NEW_TABLE_WRU})
  --model-seed N                 seed of latencies, jitter and workload (default 1)
  --model-out FILE               results JSON (default bench/results/model-aws.json)`;

export function modelOptions(argv: readonly string[]): { config: ModelConfig; many: number; out: string } {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    options: {
      'model-shipments': { type: 'string' },
      'model-licenses': { type: 'string' },
      'model-license-batch': { type: 'string' },
      'model-license-concurrency': { type: 'string' },
      'model-publish-concurrency': { type: 'string' },
      'model-shards': { type: 'string' },
      'model-hold': { type: 'string' },
      'model-cpu-scale': { type: 'string' },
      'model-table-wru': { type: 'string' },
      'model-seed': { type: 'string' },
      'model-out': { type: 'string' },
    },
  });
  const int = (name: string, fallback: number, min = 1): number => {
    const raw = values[name];
    const v = raw === undefined ? fallback : Number(String(raw).replace(/_/g, ''));
    if (!Number.isInteger(v) || v < min) throw new RangeError(`--${name} must be a whole number ≥ ${min}`);
    return v;
  };
  const [holdFrom, holdTo] = String(values['model-hold'] ?? '0,1')
    .split(',')
    .map(Number);
  if (!(holdFrom !== undefined && holdTo !== undefined && holdFrom >= 0 && holdFrom <= holdTo && holdTo <= 1))
    throw new RangeError('--model-hold takes FROM,TO with 0 ≤ FROM ≤ TO ≤ 1');
  const d = DEFAULT_CONFIG;
  const scale = Number(values['model-cpu-scale'] ?? d.latency.cpu.scale);
  if (!(scale >= 0)) throw new RangeError('--model-cpu-scale takes a number ≥ 0');
  const tableWru = { ...d.latency.tableWru };
  for (const pair of String(values['model-table-wru'] ?? '')
    .split(',')
    .filter(Boolean)) {
    const [table, n] = pair.split('=');
    const units = Number(n);
    if (!table || !(units > 0)) throw new RangeError('--model-table-wru takes TABLE=N pairs, N > 0');
    tableWru[table] = units;
  }
  return {
    config: {
      ...d,
      shipments: int('model-shipments', d.shipments),
      seed: int('model-seed', d.seed, 0),
      licenseBatch: int('model-license-batch', d.licenseBatch),
      licenseConcurrency: int('model-license-concurrency', d.licenseConcurrency),
      publishConcurrency: int('model-publish-concurrency', d.publishConcurrency),
      shipmentShards: int('model-shards', d.shipmentShards),
      latency: { ...d.latency, holdFrom, holdTo, tableWru, cpu: { ...d.latency.cpu, scale } },
    },
    many: int('model-licenses', 50),
    out: String(values['model-out'] ?? 'bench/results/model-aws.json'),
  };
}

/** The assumptions every figure rests on, as written next to them. */
export function assumptions(c: ModelConfig): Record<string, string> {
  const l = c.latency;
  const p = l.cpu;
  const x = (ms: number) => `${+(ms * p.scale).toPrecision(3)} ms`;
  const wru = Object.entries(l.tableWru)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  return {
    engines:
      'the real applyLicense, processShipmentRecords and recordShipmentHistory on the in-memory adapters (shared/adapters/memory); license-events, shipment-events and shipment-history batching as in functions/ and infra/stack.ts',
    writer:
      "the engine's pipelined release pass (next page read while a transaction commits; filled transactions of 98 shipments + 1 Inventory item + the guarded license update, cut by Inventory item) and the DynamoDB adapter's commit loop (commitPacked: classifyFailure, jittered pauses, TransactionConflict on its own budget); one transaction in flight per license; license decisions through the adapter's updateWithEntry (conflicts retried as it does)",
    latency: `TransactWriteItems ${l.txMs.join('–')} ms, read (Query, GetItem) ${l.readMs.join('–')} ms, single write ${l.writeMs.join('–')} ms, PublishBatch ${l.publishMs.join('–')} ms, uniform, seeded; a held-index page is ${INDEX_KEY_SPREAD} Queries sent at once (the slowest of ${INDEX_KEY_SPREAD} draws); sumHeld and countHeldByReason read every 1 MB page of the license's ${INDEX_KEY_SPREAD} keys one after another; a Query's latency does not grow with its answer's size`,
    cpu: `handler CPU charged on the function instance that spends it (one single-threaded CPU per instance: license-events 1, shipment-events and shipment-history 1 per shard; it overlaps calls in flight, not other CPU), measured with bench/model-aws/measure-cpu.ts on an Intel Xeon core (real adapters and engine, DynamoDB and SNS answered at once by a stub, no X-Ray), ×${p.scale}: release transaction of 100 actions ${x(p.releaseTxMs)} before it is sent (pro rata), History transaction of 100 puts ${x(p.historyTxMs)}, single write ${x(p.singleWriteMs)}, PublishBatch ${x(p.publishMs)}, a held-index page's answers ${x(p.queryItemMs)} per item (a full page parses ${INDEX_KEY_SPREAD} × ${c.pageSize}) and ${x(p.planItemMs)} per shipment planned, a 1 MB sumHeld page ${x(p.sumPageMs)}, per Shipments stream record ${x(p.recordMs)} to parse the event and both images plus ${x(p.notifyRecordMs)} in shipment-events and ${x(p.historyRecordMs)} in shipment-history; a 1,024 MB function has about 0.58 vCPU (1 vCPU at 1,769 MB), so real values are likely higher (--model-cpu-scale)`,
    hold: `an item is held from ${l.holdFrom} to ${l.holdTo} of its transaction's latency (${l.holdFrom === 0 && l.holdTo === 1 ? 'the whole call: conservative; the USENIX ATC 2023 paper holds prepare→commit' : 'prepare→commit'}); a transaction whose hold starts on a held item is cancelled with TransactionConflict; a single PutItem/UpdateItem of a held item is rejected with TransactionConflictException (the adapters rethrow it); more than 100 actions or two on one item: ValidationException; a cancelled transaction writes nothing`,
    hotItems: `${l.partitionWcu} WCU/s per hot KEY (Inventory item, License item, each of a license's ${INDEX_KEY_SPREAD} keys in each Shipments GSI, the keys the code writes, and a license's History key: one partition key per license, sort key starting with the commit time, so split for heat does not spread it), not per partition: keys that share a partition on AWS (a license's ${INDEX_KEY_SPREAD} GSI keys, the Inventory items, licenses' History keys) share its ${l.partitionWcu} WCU/s until split for heat separates them, which the model does not make them wait for (optimistic); fixed 1-s windows, no burst; transactional writes 2 WCU/KB (license ${c.sizes.licenseKb} KB, inventory ${c.sizes.inventoryKb} KB), GSI writes 1 WCU/KB (shipment ${c.sizes.shipmentKb} KB), History entries 2 WCU/KB in their transactions (${c.sizes.historyKb} KB) and, once a transaction on a license's key is throttled, 1 WCU/KB as single conditional puts (${SINGLE_PUT_CONCURRENCY} in flight) for ${HOT_FOR_MS / 1000} s, the product's adapter (DynamoHistoryRepository) run as is, each shard's function instance learning on its own; a throttled put retried after the adapter's jittered pauses for up to ${THROTTLED_PATIENCE_MS / 1000} s of its append (THROTTLED_PATIENCE_MS), then the append names the entries it did not write and shipment-history reports their records, which the stream reads again (an append that wrote none fails the batch); over budget → ThrottlingError`,
    tables: `write request units a second each table and GSI sustains (its warm throughput), in the same 1-s windows, over budget → ThrottlingError: ${wru}, any other ${NEW_TABLE_WRU} (a new on-demand table sustains 4,000 writes a second until it scales; the Shipments table and its GSIs pre-warmed to 20,000 as ARCHITECTURE.md's plan says; a release writes 2 WRU per shipment to the Shipments table and 1 to each GSI); a single UpdateItem uses the budget but is never throttled; on-demand scaling past these within the run is not modelled`,
    streams: `Licenses stream 1 shard, batch ${c.licenseBatch}, no window; Shipments stream ${c.shipmentShards} shards (on AWS one per table partition: a new on-demand table's 4,000 WCU/12,000 RCU take at least 4, a table pre-warmed to 20,000 WCU/s at least 20; 4 is the fewest, and fewer shards only slow the notify path), batch 1000, window 2 s; one invocation per shard at a time; as deployed, records before a batch's lowest reported failure checkpointed, a batch whose invocation threw split in two (a partial response never halves one), one that cannot be split or whose failure is reported at its head retried ${STREAM_RETRY_ATTEMPTS} times, then dropped (the DLQ); no MaximumRecordAgeInSeconds (no record waits hours); ${c.streamLagMs} ms poll lag, ${c.invokeOverheadMs} ms per invocation, warm`,
    handlers: `license-events: every license of a batch at once (applyLicenses), ${c.licenseConcurrency} shipment transactions in flight across them, one each, a 60 s slice (RELEASE_TIME_BUDGET_MS) and ${RELEASE_FIRST_SLICE_MS} ms for new work (RELEASE_FIRST_SLICE_MS) with a first transaction of ${FIRST_TRANSACTION}, continuation through the stream; shipment-events: ${c.publishConcurrency} PublishBatch calls in flight per audience, both audiences at once, 1 customer topic; shipment-history (the Shipments stream's second mapping, the same settings, one instance per shard): History in transactions of 100, 4 in flight`,
    notModeled:
      "cold starts, Lambda concurrency limits, SNS throttling, GSI propagation lag, the clock (settling passes), network failures, the SDK's own retries of a throttled PutItem, read capacity (RCU) and read throttling, partitions shared by hot keys (see hotItems), on-demand scaling beyond the tables' budgets during the run, X-Ray and Powertools CPU, license-events' parsing of its (few) records",
  };
}

const f = (n: number, d = 1) => n.toFixed(d);

function table(cases: Record<string, CaseResult>): string {
  const rows = [
    ['', ...Object.keys(cases)],
    ['shipments / licenses', ...Object.values(cases).map((c) => `${c.shipments} / ${c.licenses}`)],
    ['approval → last RELEASED (s)', ...Object.values(cases).map((c) => f(c.releaseSeconds))],
    ['approval → last message (s)', ...Object.values(cases).map((c) => f(c.notifySeconds))],
    ['approval → last History entry (s)', ...Object.values(cases).map((c) => String(c.historySeconds))],
    ['released / s', ...Object.values(cases).map((c) => f(c.releasedPerSecond, 0))],
    [
      'first message: earliest–latest (s)',
      ...Object.values(cases).map((c) => `${f(c.firstMessage.earliest)}–${f(c.firstMessage.latest)}`),
    ],
    [
      'transactions (release / history)',
      ...Object.values(cases).map(
        (c) => `${c.transactions.all} (${c.transactions.release} / ${c.transactions.history})`,
      ),
    ],
    [
      'TransactionConflict rate',
      ...Object.values(cases).map((c) => `${f(100 * c.transactions.conflictRate, 2)} %`),
    ],
    [
      'retries (throttled)',
      ...Object.values(cases).map((c) => `${c.transactions.retries} (${c.transactions.throttled})`),
    ],
    [
      'hot key peak WCU/s (of 1,000)',
      ...Object.values(cases).map((c) => `${c.hotItems.peakWcu} ${c.hotItems.peakKey}`),
    ],
    [
      'notify path hot key peak WCU/s',
      ...Object.values(cases).map((c) => `${c.hotItems.notifyPath.peakWcu} ${c.hotItems.notifyPath.peakKey}`),
    ],
    [
      'Shipments table peak WRU/s (of budget)',
      ...Object.values(cases).map(
        (c) => `${c.tables.shipments?.peakWru ?? 0} (${c.tables.shipments?.budget ?? NEW_TABLE_WRU})`,
      ),
    ],
    [
      'History table peak WRU/s (of budget)',
      ...Object.values(cases).map(
        (c) => `${c.tables.history?.peakWru ?? 0} (${c.tables.history?.budget ?? NEW_TABLE_WRU})`,
      ),
    ],
    [
      'CPU s: license-events / busiest shipment-events / shipment-history',
      ...Object.values(cases).map((c) =>
        Object.values(c.cpu)
          .map((u) => f(u.seconds))
          .join(' / '),
      ),
    ],
    [
      'writer slot-s: committed / conflicted / paused / idle',
      ...Object.values(cases).map((c) => {
        const w = c.writerSlots;
        return [w.committed, w.conflicted + w.failed, w.paused, w.idle].map((v) => f(v, 0)).join(' / ');
      }),
    ],
    [
      "largest license's History key: first / ≥ 90 % from / last (s); mean WCU/s before",
      ...Object.values(cases).map((c) => {
        const h = c.historyKeyOfLargest;
        return `${h.first} / ${h.saturatedFrom} / ${h.last}; ${f(h.meanWcuBefore, 0)}`;
      }),
    ],
    ['PublishBatch calls', ...Object.values(cases).map((c) => String(c.calls.publishBatches))],
    ...(
      [
        ['release', 'releaseBound', 'release'],
        ['last message', 'bound', 'notify'],
        ['last History entry', 'historyBound', 'history'],
      ] as const
    ).map(([what, key, gap]) => [
      `lower bound of the ${what} (s), gap`,
      ...Object.values(cases).map(
        (c) => `${c[key].split(' (')[0]} ${f(c.bounds[c[key]] ?? 0)}, gap ${f(c.gaps[gap])}`,
      ),
    ]),
    ['real time (s) / heap (MB)', ...Object.values(cases).map((c) => `${f(c.realSeconds)} / ${c.heapMb}`)],
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export async function runModel(argv: readonly string[]): Promise<number> {
  const { config, many, out } = modelOptions(argv);
  const cases: Record<string, CaseResult> = {};
  for (const [name, licenses] of [
    ['one license', 1],
    [`${many} licenses`, many],
  ] as const) {
    process.stderr.write(`model aws: ${name}, ${config.shipments} shipments…\n`);
    cases[name] = await runCase({ ...config, licenses });
  }
  const [one, fifty] = Object.values(cases) as [CaseResult, CaseResult];
  const ok = Object.values(cases).every(
    (c) =>
      c.checks.countersExact &&
      c.checks.released === c.shipments &&
      c.checks.duplicates === 0 &&
      c.checks.customerMessages === c.shipments &&
      c.checks.historyEntries === c.shipments,
  );
  const results = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- --model aws ${argv.join(' ')}`.trim(),
    ...gitState(),
    oneLicenseMillionSeconds: one.notifySeconds,
    fiftyLicensesMillionSeconds: fifty.notifySeconds,
    note: 'seconds of modeled (virtual) time from the approval to the last notification published; release-only figures are in cases',
    shipments: config.shipments,
    assumptions: assumptions(config),
    config,
    cases,
    endStateOk: ok,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${table(cases)}\n\nAssumptions:\n`);
  for (const [k, v] of Object.entries(results.assumptions)) process.stdout.write(`  ${k}: ${v}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
  return ok ? 0 : 1;
}
