/**
 * The synthesized CloudFormation template, read into the few facts the local
 * stack needs. Anything the local stack would have to guess at (an intrinsic
 * it cannot resolve, a filter operator it cannot evaluate, a condition it
 * cannot evaluate) fails here, loudly, before a resource is created.
 *
 * The model's types are in local/template/model.ts; parseTemplate
 * (local/template/parse.ts) reads a template with one reader per resource
 * type (tables.ts, messaging.ts, functions.ts, mappings.ts, schedules.ts).
 * This module synthesizes the CDK app and re-exports them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CfnTemplate, StackModel } from './template/model.js';
import { type ParseTemplateOptions, parseTemplate } from './template/parse.js';

export type {
  CfnTemplate,
  CfnValue,
  EventSourceMappingModel,
  FunctionModel,
  IndexModel,
  KeyElement,
  QueueModel,
  ScheduleModel,
  StackModel,
  SubscriptionModel,
  TableModel,
  TopicModel,
} from './template/model.js';
export { TemplateModelError } from './template/model.js';
export { type ParseTemplateOptions, parseTemplate } from './template/parse.js';
export { ratePeriodMs } from './template/schedules.js';

/** Options of {@link synthesizeAssembly}. */
export interface SynthesizeOptions {
  /** Extra CDK context. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** A synthesized template and the cloud assembly directory its assets (the function bundles) are in. */
export interface CloudAssembly {
  readonly template: CfnTemplate;
  /** Absolute path of the cloud assembly, e.g. `<repo>/cdk.out`. */
  readonly dir: string;
}

/** Where `cdk synth` writes the cloud assembly (cdk.json's default). */
export const DEFAULT_ASSEMBLY_DIR = fileURLToPath(new URL('../cdk.out', import.meta.url));

/**
 * Synthesizes the CDK app in-process, bundling every function with esbuild as
 * `cdk synth` does (about 4 s), and returns the template with its assembly
 * directory: the local stack runs the bundles the template names. Without
 * extra context it writes to `cdk.out`, like `npm run synth`; with context, to
 * a fresh temporary directory. The built-in template validation is skipped
 * (`npm run synth` runs it); cdk-nag runs and throws on an unacknowledged
 * finding.
 */
export async function synthesizeAssembly(options: SynthesizeOptions = {}): Promise<CloudAssembly> {
  const app = await import('../infra/app.js');
  const custom = options.context !== undefined && Object.keys(options.context).length > 0;
  const dir = custom ? mkdtempSync(join(tmpdir(), 'clearance-assembly-')) : DEFAULT_ASSEMBLY_DIR;
  const template = app.synthTemplate({
    skipBundling: false,
    outdir: dir,
    ...(options.context ? { context: options.context } : {}),
  });
  return { template, dir };
}

/** Synthesizes the CDK app and parses the template. */
export async function loadStackModel(
  options: SynthesizeOptions & ParseTemplateOptions = {},
): Promise<{ assembly: CloudAssembly; model: StackModel }> {
  const assembly = await synthesizeAssembly(options);
  return { assembly, model: parseTemplate(assembly.template, options) };
}
