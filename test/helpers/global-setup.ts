/**
 * vitest globalSetup of the `integration` project: starts DynamoDB Local and
 * fauxqs once per run, synthesizes the CDK app once (bundling the functions
 * into cdk.out, as `cdk synth` does), and hands both to the
 * test files through `provide`/`inject`. Each file then creates its own
 * fresh resources on them (see ./stack.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ServiceEndpoints } from '../../local/services.js';
import { startServices } from '../../local/services.js';
import { type CloudAssembly, synthesizeAssembly } from '../../local/template.js';
import { summarizeRequests } from './request-log.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoints of the services started for this run. */
    localEndpoints: ServiceEndpoints;
    /** The template the CDK app synthesizes, with the function bundles in its assembly directory (cdk.out). */
    clearanceAssembly: CloudAssembly;
    /** Where each test file's stack writes the requests it judged (see ./request-log.ts). */
    requestLogDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const [servicesResult, templateResult] = await Promise.allSettled([startServices(), synthesizeAssembly()]);
  if (servicesResult.status === 'rejected') throw servicesResult.reason;
  const services = servicesResult.value;
  if (templateResult.status === 'rejected') {
    await services.stop();
    throw templateResult.reason;
  }
  project.provide('localEndpoints', services.endpoints);
  project.provide('clearanceAssembly', templateResult.value);
  const requestLogDir = mkdtempSync(join(tmpdir(), `clearance-requests-${project.name}-`));
  project.provide('requestLogDir', requestLogDir);
  process.stderr.write(`[global-setup] local services and template ready in ${Date.now() - started} ms\n`);
  return async () => {
    await services.stop();
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
