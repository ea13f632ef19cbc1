/**
 * The local stack runs what deploys: each function from the bundle the
 * template names, in sandboxes with exactly its own environment. A bundle
 * that cannot load, or a variable the template forgot, fails here as it would
 * on Lambda.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { EsmError } from '../../local/esm.js';
import { createStackOn, uniquePrefix } from '../../local/stack.js';
import type { CfnTemplate, CloudAssembly } from '../../local/template.js';
import { workerEndpoints } from '../helpers/endpoints.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();

type Resources = Record<
  string,
  { Type: string; Metadata?: Record<string, unknown>; Properties: Record<string, unknown> }
>;

/** A copy of the run's assembly whose template `edit` may change. */
function assemblyWith(edit: (resources: Resources) => void): CloudAssembly {
  const base = inject('clearanceAssembly');
  const template = structuredClone(base.template) as CfnTemplate;
  edit(template.Resources as Resources);
  return { ...base, template };
}

/** The logical id of the function whose entry is `functions/<name>.ts`. */
function functionId(resources: Resources, name: string): string {
  const id = Object.keys(resources).find(
    (k) => resources[k]?.Metadata?.['clearance:entry'] === `functions/${name}.ts`,
  );
  if (id === undefined) throw new Error(`no function ${name}`);
  return id;
}

function variables(resources: Resources, id: string): Record<string, unknown> {
  const env = resources[id]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
  if (env === undefined) throw new Error(`${id} has no environment`);
  return env.Variables;
}

/** A bundle directory holding `source` as index.mjs. */
function bundleDir(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-bundle-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.mjs'), source);
  return dir;
}

const start = (assembly: CloudAssembly, label: string) =>
  createStackOn(workerEndpoints(), {
    assembly,
    prefix: uniquePrefix(label),
    startEsm: true,
    log: () => undefined,
    functionLogs: () => undefined,
  });

describe('the functions run from their bundles', () => {
  it('runs each function from the bundle its template names, in the cloud assembly', () => {
    const { template, dir } = inject('clearanceAssembly');
    const resources = template.Resources as Resources;
    for (const fn of Object.values(local.resources.functionsByLogicalId)) {
      const assetPath = resources[fn.logicalId]?.Metadata?.['aws:asset:path'];
      expect(typeof assetPath).toBe('string');
      expect(fn.bundleFile).toBe(join(dir, String(assetPath), 'index.mjs'));
    }
  });

  it('fails to start, naming the variable, when the template forgets one a function reads', async () => {
    // license-events has SHIPMENTS_TABLE: in one shared process.env it would have hidden the gap.
    const assembly = assemblyWith((r) => {
      delete variables(r, functionId(r, 'shipment-events')).SHIPMENTS_TABLE;
    });
    const failure = start(assembly, 'missingvar');
    await expect(failure).rejects.toThrow(EsmError);
    await expect(failure).rejects.toThrow(
      /shipment-events.*environment variable SHIPMENTS_TABLE is not set/s,
    );
  });

  it('fails to start, naming the module, when a bundle cannot be imported', async () => {
    const broken = bundleDir(
      "import 'a-package-esbuild-left-out';\nexport const handler = async () => ({});\n",
    );
    const assembly = assemblyWith((r) => {
      const id = functionId(r, 'license-clock');
      const fn = r[id];
      if (fn?.Metadata) fn.Metadata['aws:asset:path'] = broken;
    });
    const failure = start(assembly, 'badbundle');
    await expect(failure).rejects.toThrow(EsmError);
    await expect(failure).rejects.toThrow(/license-clock.*Cannot find package 'a-package-esbuild-left-out'/s);
  });

  it("gives each function exactly its template's variables, the runtime's, and the endpoints", async () => {
    const probe = bundleDir('export const handler = async () => ({ env: { ...process.env } });\n');
    let clockVars: Record<string, unknown> = {};
    let eventsVars: Record<string, unknown> = {};
    const assembly = assemblyWith((r) => {
      const id = functionId(r, 'license-clock');
      const fn = r[id];
      if (fn?.Metadata) fn.Metadata['aws:asset:path'] = probe;
      clockVars = variables(r, id);
      eventsVars = variables(r, functionId(r, 'license-events'));
    });
    const stack = await start(assembly, 'envprobe');
    try {
      const { env } = (await stack.esm.invokeSchedule('license-clock')) as { env: Record<string, string> };
      const own = Object.keys(clockVars).filter((k) => k !== 'NODE_OPTIONS');
      for (const name of own) expect(env, name).toHaveProperty(name);
      // license-events' own variables do not leak into license-clock's sandbox.
      for (const name of Object.keys(eventsVars).filter((k) => !(k in clockVars))) {
        expect(env, name).not.toHaveProperty(name);
      }
      expect(env.RELEASE_TIME_BUDGET_MS).toBeUndefined();
      const runtime = [
        '_HANDLER',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
        'AWS_LAMBDA_FUNCTION_VERSION',
        'AWS_LAMBDA_INITIALIZATION_TYPE',
        'AWS_LAMBDA_LOG_GROUP_NAME',
        'AWS_LAMBDA_LOG_STREAM_NAME',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'LAMBDA_TASK_ROOT',
        'TZ',
        'LANG',
        'PATH',
        // Not Lambda's: the SDK's Node-version notice, off (the sandbox runs on the host's Node).
        'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
      ];
      const endpoints = Object.keys(env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_'));
      expect(endpoints.sort()).toEqual([
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
        'AWS_ENDPOINT_URL_LAMBDA',
        'AWS_ENDPOINT_URL_SNS',
        'AWS_ENDPOINT_URL_SQS',
      ]);
      expect(Object.keys(env).sort()).toEqual([...own, ...runtime, ...endpoints].sort());
      expect(env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.gateway.url);
    } finally {
      await stack.stop();
    }
  });

  it('refuses an environment override that would add a variable the template lacks', async () => {
    await expect(
      createStackOn(workerEndpoints(), {
        assembly: inject('clearanceAssembly'),
        prefix: uniquePrefix('addvar'),
        environmentOverrides: { SHIPMENTS_TABLE_TYPO: 'x' },
      }),
    ).rejects.toThrow(/environmentOverrides\.SHIPMENTS_TABLE_TYPO: no function of the template defines/);
  });
});
