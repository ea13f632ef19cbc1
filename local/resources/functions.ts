/**
 * The template's functions, named and with their environment resolved to
 * local values, and the bundle file each runs.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { FunctionModel } from '../template.js';
import { physicalName } from './naming.js';
import type { ResolveValue } from './resolve.js';
import { type FunctionResource, LOCAL_ACCOUNT_ID, LocalResourceError } from './types.js';

/** Each function's local name and ARN, by logical id (known before any environment is resolved). */
export function functionNamesOf(
  functions: readonly FunctionModel[],
  prefix: string,
  region: string,
): Record<string, { name: string; arn: string }> {
  const names: Record<string, { name: string; arn: string }> = {};
  for (const fn of functions) {
    const name = physicalName(prefix, fn.logicalId, 64);
    names[fn.logicalId] = {
      name,
      arn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
    };
  }
  return names;
}

/**
 * The bundle file of a function: the module its Handler (`index.handler`)
 * names, in the asset directory the template names, as Lambda would load it.
 */
export function bundleFileOf(fn: FunctionModel, assemblyDir: string): string {
  if (fn.assetPath === undefined) {
    throw new LocalResourceError(
      `${fn.logicalId} names no bundle (no aws:asset:path metadata): the template was synthesized without ` +
        'bundling, and the local stack runs only what deploys. Synthesize with bundling (synthesizeAssembly).',
    );
  }
  const dir = isAbsolute(fn.assetPath) ? fn.assetPath : join(assemblyDir, fn.assetPath);
  const candidates = ['index.mjs', 'index.js', 'index.cjs'].map((f) => join(dir, f));
  const found = candidates.find((f) => existsSync(f));
  if (found === undefined) {
    throw new LocalResourceError(
      `${fn.logicalId}: no index.mjs, index.js or index.cjs in ${dir}; run \`npm run synth\` (is cdk.out complete?)`,
    );
  }
  return found;
}

function resolveFunction(
  fn: FunctionModel,
  names: { name: string; arn: string },
  resolve: ResolveValue,
  assemblyDir: string,
): FunctionResource {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    environment[name] = resolve(value, `${fn.logicalId} environment ${name}`);
  }
  return {
    logicalId: fn.logicalId,
    name: names.name,
    arn: names.arn,
    entry: fn.entry,
    exportName: fn.exportName,
    bundleFile: bundleFileOf(fn, assemblyDir),
    timeoutSeconds: fn.timeoutSeconds,
    memorySizeMb: fn.memorySizeMb,
    environment,
  };
}

/** Every function with its environment resolved and its bundle found, by logical id. */
export function resolveFunctions(
  functions: readonly FunctionModel[],
  functionNames: Readonly<Record<string, { name: string; arn: string }>>,
  resolve: ResolveValue,
  assemblyDir: string,
): Record<string, FunctionResource> {
  const resolved: Record<string, FunctionResource> = {};
  for (const fn of functions) {
    const names = functionNames[fn.logicalId];
    if (names === undefined) continue;
    resolved[fn.logicalId] = resolveFunction(fn, names, resolve, assemblyDir);
  }
  return resolved;
}
