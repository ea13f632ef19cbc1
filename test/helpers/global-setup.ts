/**
 * vitest globalSetup of the projects that run on the local stack: starts
 * DynamoDB Local and fauxqs once per run and per worker (a project that runs
 * two files at a time gets two sets: DynamoDB Local does its work on one
 * SQLite thread, so two files on one instance queue behind each other),
 * synthesizes the CDK app once (bundling the functions into cdk.out, as
 * `cdk synth` does), and hands both to the test files through
 * `provide`/`inject`. Each file then creates its own fresh resources on its
 * worker's services (see ./stack.ts, {@link ./endpoints.ts}).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { LocalServices, ServiceEndpoints } from '../../local/services.js';
import { startServices } from '../../local/services.js';
import { type CloudAssembly, synthesizeAssembly } from '../../local/template.js';
import { summarizeRequests } from './request-log.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoints of the services started for this run, one set per worker (see ./endpoints.ts). */
    localEndpoints: readonly ServiceEndpoints[];
    /** The template the CDK app synthesizes, with the function bundles in its assembly directory (cdk.out). */
    clearanceAssembly: CloudAssembly;
    /** Where each test file's stack writes the requests it judged (see ./request-log.ts). */
    requestLogDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // vitest sets maxWorkers to 1 where fileParallelism is off.
  const sets = Math.max(1, project.config.maxWorkers);
  const [servicesResult, templateResult] = await Promise.allSettled([
    startServiceSets(sets),
    synthesizeAssembly(),
  ]);
  if (servicesResult.status === 'rejected') throw servicesResult.reason;
  const services = servicesResult.value;
  const stopAll = () => Promise.all(services.map((s) => s.stop()));
  if (templateResult.status === 'rejected') {
    await stopAll();
    throw templateResult.reason;
  }
  project.provide(
    'localEndpoints',
    services.map((s) => s.endpoints),
  );
  project.provide('clearanceAssembly', templateResult.value);
  const requestLogDir = mkdtempSync(join(tmpdir(), `clearance-requests-${project.name}-`));
  project.provide('requestLogDir', requestLogDir);
  process.stderr.write(
    `[global-setup] local services (${sets} ${sets === 1 ? 'set' : 'sets, one per worker'}) and template ready in ${Date.now() - started} ms\n`,
  );
  return async () => {
    await stopAll();
    const { distinct, denied, stacks } = summarizeRequests(requestLogDir);
    rmSync(requestLogDir, { recursive: true, force: true });
    process.stderr.write(
      `[request evaluation] ${project.name}: ${distinct} distinct (caller, action, resource) requests judged ` +
        `against the synthesized policies over ${stacks} local stacks; ${denied.length} denied\n`,
    );
    if (denied.length > 0) {
      throw new Error(
        `requests AWS would deny:\n${[...new Set(denied.map((d) => `- ${d.explanation}`))].join('\n')}`,
      );
    }
  };
}

/** Starts `n` independent sets of local services; if one fails, stops the others and throws its error. */
async function startServiceSets(n: number): Promise<LocalServices[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => startServices()));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed === undefined) return started;
  await Promise.all(started.map((s) => s.stop()));
  throw failed.reason;
}
