/**
 * The admin's `clearance license simulate LIC --status APPROVED` before the
 * first approval, run in this process with the CLI's own functions (the
 * snapshot it reads, the engine on a copy, the report and its text), and
 * the check that the approval then did what the simulation predicted: the
 * same shipments released, the same hold reasons on those left HELD, the
 * same LICENSE_DRAWDOWN alerts.
 */
import { readSnapshot } from '../../cli/commands/license-simulate.js';
import { createContext } from '../../cli/context.js';
import type { Io } from '../../cli/io.js';
import { parseSimulateOptions } from '../../cli/simulation/options.js';
import { renderSimulation } from '../../cli/simulation/render.js';
import { buildReport, type SimulationReport } from '../../cli/simulation/report.js';
import { runEngine } from '../../cli/simulation/run.js';
import { describeStack } from '../stack-json.js';
import { num, type Scenario } from './scenario.js';
import { type OpsMessage, opsMessage, type Subscribers } from './subscribers.js';

/** Shipments listed per section of the simulation's text (its `--limit`). */
const LIMIT = 3;

/** A simulation the admin ran: the report, its text as the CLI prints it, and the command. */
export interface Simulated {
  command: string;
  report: SimulationReport;
  text: string;
  /** How long it took, reading included. */
  ms: number;
}

/** Runs `clearance license simulate LICENSE --status STATUS --limit 3` in this process against the scenario's stack. */
export async function simulate(scenario: Scenario, licenseId: string, status: string): Promise<Simulated> {
  const notes: string[] = [];
  const io: Io = { out: () => {}, err: (t) => notes.push(t), interactive: false, confirm: async () => false };
  const env = { ...process.env, CLEARANCE_STACK: JSON.stringify(describeStack(scenario.stack)) };
  const ctx = createContext(io, env, {});
  const began = Date.now();
  try {
    // What licenseSimulate does, keeping the report: parse, read once, run the engine on the copy, compare.
    const { edit, at } = parseSimulateOptions({ status }, new Date());
    const snapshot = await readSnapshot(ctx, licenseId);
    const run = await runEngine(snapshot, edit, at);
    const report = buildReport(snapshot, edit, at, run);
    for (const note of notes) scenario.log(`  ${note}`);
    return {
      command: `clearance license simulate ${licenseId} --status ${status} --limit ${LIMIT}`,
      report,
      text: renderSimulation(report, LIMIT),
      ms: Date.now() - began,
    };
  } finally {
    ctx.close();
  }
}

/** One line for the progress log: what the simulation says the edit would do. */
export function simulationSummary({ report, ms }: Simulated): string {
  const t = report.totals;
  return `  simulation: would release ${num(t.released.shipments)} shipments (${num(t.released.units)} units), keep ${num(t.stillHeld.shipments)} HELD, send ${report.alerts.length} alert(s); nothing written (${(ms / 1000).toFixed(1)} s)`;
}

/** What the license's shipments are now: RELEASED ids and each HELD one's reason, through its two indexes. */
async function stateNow({ repos }: Scenario, licenseId: string) {
  const released = new Set<string>();
  const held = new Map<string, string>();
  for (const index of ['held', 'released'] as const) {
    let after: string | undefined;
    do {
      const page = await repos.shipments.page(index, licenseId, after, 500);
      for (const s of page.items) {
        if (s.status === 'RELEASED') released.add(String(s.shipmentId));
        else if (s.status === 'HELD') held.set(String(s.shipmentId), String(s.holdReason));
      }
      after = page.next;
    } while (after !== undefined);
  }
  return { released, held };
}

const drawdownSubjects = (alerts: readonly { subject: string; alertType?: string }[]) =>
  alerts
    .filter((a) => a.alertType === 'LICENSE_DRAWDOWN')
    .map((a) => a.subject)
    .sort();

/**
 * What the approval did against what the simulation predicted, once the
 * stack has worked it through: problems, none when they agree.
 */
export async function predictionProblems(
  scenario: Scenario,
  subscribers: Subscribers,
  { report }: Simulated,
): Promise<string[]> {
  const licenseId = report.licenseId;
  const now = await stateNow(scenario, licenseId);
  const problems: string[] = [];
  const predicted = new Set(report.releases);
  const missing = [...predicted].filter((id) => !now.released.has(id));
  const extra = [...now.released].filter((id) => !predicted.has(id));
  if (missing.length + extra.length > 0)
    problems.push(
      `released ${num(now.released.size)}, predicted ${num(predicted.size)}: not released ${missing.slice(0, 5).join(', ') || '-'}; released unpredicted ${extra.slice(0, 5).join(', ') || '-'}`,
    );
  const holds = new Map(report.holds.map((h) => [h.shipmentId, h.holdReason]));
  for (const [id, reason] of holds)
    if (now.held.get(id) !== reason)
      problems.push(`${id}: predicted HELD ${reason}, is ${now.held.get(id) ?? 'not HELD'}`);
  for (const id of now.held.keys())
    if (!holds.has(id)) problems.push(`${id} is HELD ${now.held.get(id)}; the simulation did not predict it`);
  const sent: OpsMessage[] = subscribers.ops.messages
    .map(opsMessage)
    .filter((m) => m.attributes.licenseId === licenseId);
  const alerts = drawdownSubjects(
    sent.map((m) => ({ subject: m.subject, alertType: m.attributes.alertType })),
  );
  const expected = drawdownSubjects(report.alerts);
  if (alerts.join('\n') !== expected.join('\n'))
    problems.push(
      `LICENSE_DRAWDOWN sent: ${alerts.join('; ') || 'none'}; predicted: ${expected.join('; ') || 'none'}`,
    );
  return problems;
}

/** The report's section: the command and its text, indented. */
export function simulationLines(simulated: Simulated): string[] {
  return [
    '',
    `Before the first approval, the admin simulated it: ${simulated.command}`,
    ...simulated.text.split('\n').map((l) => (l === '' ? '' : `  ${l}`)),
  ];
}
