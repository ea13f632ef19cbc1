/** `AWS::Lambda::Function`: the project's own functions, those with `clearance:entry` metadata. */
import type { CfnValue, FunctionModel } from './model.js';
import { cfnValue, num, optStr, type ResourceEntry, rec, str } from './values.js';

/** The function, or undefined for a CDK-internal one (custom resources, log retention: no entry). */
export function parseFunction({
  logicalId,
  where,
  resource,
  props,
  parameters,
}: ResourceEntry): FunctionModel | undefined {
  const metadata = rec(resource.Metadata, `${where}.Metadata`);
  const entry = metadata['clearance:entry'];
  if (entry === undefined) return undefined;
  const handler = str(props.Handler ?? 'index.handler', `${where}.Handler`);
  const exportName = handler.slice(handler.lastIndexOf('.') + 1);
  const env: Record<string, CfnValue> = {};
  const vars = rec(
    rec(props.Environment, `${where}.Environment`).Variables,
    `${where}.Environment.Variables`,
  );
  for (const [name, value] of Object.entries(vars)) {
    env[name] = cfnValue(value, `${where}.Environment.Variables.${name}`, parameters);
  }
  const assetPath = optStr(metadata['aws:asset:path'], `${where}.Metadata.aws:asset:path`);
  return {
    logicalId,
    ...(assetPath === undefined ? {} : { assetPath }),
    entry: str(entry, `${where}.Metadata.clearance:entry`),
    exportName,
    timeoutSeconds: num(props.Timeout, `${where}.Timeout`, 3),
    memorySizeMb: num(props.MemorySize, `${where}.MemorySize`, 128),
    environment: env,
  };
}
