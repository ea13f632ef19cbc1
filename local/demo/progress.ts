/** Waiting for the stack to finish its work, with a status line on stderr meanwhile. */
import { num, type Scenario, usd } from './scenario.js';
import { collect, dlqDepth, type Subscribers } from './subscribers.js';

/** Units and value released, messages delivered and DLQ depth, on one line that rewrites itself. */
async function statusLine(
  scenario: Scenario,
  { queues }: Subscribers,
  licenseIds: readonly string[],
  label: string,
): Promise<void> {
  let released = 0;
  let value = 0;
  for (const licenseId of licenseIds) {
    const item = await scenario.repos.licenses.get(licenseId);
    released += Number(item?.releasedQuantity ?? 0);
    value += Number(item?.releasedValue ?? 0);
  }
  await collect(scenario, queues);
  const notified = queues.reduce((n, q) => n + q.messages.length, 0);
  process.stderr.write(
    `\r  ${label}: ${num(released)} units (${usd(value)}) released | ${num(notified)} messages delivered | DLQ ${await dlqDepth(scenario)}   `,
  );
}

/** Drains the stack (up to 5 minutes), refreshing the status line every 0.7 s, then prints it once more. */
export async function waitWithProgress(
  scenario: Scenario,
  subscribers: Subscribers,
  licenseIds: readonly string[],
  label: string,
): Promise<void> {
  const tick = () => statusLine(scenario, subscribers, licenseIds, label);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void tick()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 700);
  try {
    await scenario.stack.drain({ timeoutMs: 300_000 });
  } finally {
    clearInterval(timer);
  }
  await tick();
  process.stderr.write('\n');
}
