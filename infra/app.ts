import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from './clearance-function.js';
import { ClearanceStack, STACK_ID } from './stack.js';

/** Context key that lists the stacks whose assets are bundled; `[]` bundles none. */
export const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/** Options for {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Context merged over the feature flags of cdk.json.
   *
   * @default - cdk.json's context only
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Skip esbuild bundling: the template is the same but for asset hashes, and
   * synth takes a fraction of the time. For tests and the local stack.
   *
   * @default false
   */
  readonly skipBundling?: boolean;
  /**
   * Run CDK's built-in CloudFormation validation of the template (about 4 s).
   * cdk-nag runs either way.
   *
   * @default true
   */
  readonly validateTemplate?: boolean;
  /**
   * Where the cloud assembly is written.
   *
   * @default - `cdk.out` under the CDK CLI, a fresh temporary directory otherwise
   */
  readonly outdir?: string;
}

/** An app holding the clearance stack, with cdk-nag registered. */
export interface ClearanceApp {
  readonly app: App;
  readonly stack: ClearanceStack;
}

/**
 * cdk.json's context (the pinned feature flags). The CLI passes it to the app
 * itself; reading it here too makes an in-process synth produce the same
 * template as `cdk synth`.
 */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  if (typeof cdkJson === 'object' && cdkJson !== null && 'context' in cdkJson) {
    const { context } = cdkJson;
    if (typeof context === 'object' && context !== null) return { ...context };
  }
  return {};
}

/**
 * Builds the app and its stack, with the AWS Solutions cdk-nag pack registered
 * as a validation plugin: an unacknowledged finding fails `app.synth()` (it
 * throws in-process and makes `cdk synth` exit non-zero).
 */
export function buildApp(opts: BuildAppOptions = {}): ClearanceApp {
  const app = new App({
    context: {
      // Asset metadata names each function's bundle in the template (`aws:asset:path`), as the CDK CLI's
      // synth does; the local stack runs the bundle it names.
      'aws:cdk:enable-asset-metadata': true,
      ...cdkJsonContext(),
      ...(opts.skipBundling ? { [BUNDLING_STACKS_CONTEXT]: [] } : {}),
      ...opts.context,
    },
    analyticsReporting: false,
    builtinCloudFormationValidation: opts.validateTemplate ?? true,
    outdir: opts.outdir,
  });
  const stack = new ClearanceStack(app, STACK_ID, {
    description: 'clearance: holds export-controlled shipments until their license is approved',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/**
 * Synthesizes the stack in-process and returns its CloudFormation template,
 * for the local stack. Fast by default: bundling and the built-in template
 * validation are skipped unless `opts` asks for them (the template is the same
 * apart from asset hashes; `npm run synth` and the infra tests run both).
 * cdk-nag still runs and throws on an unacknowledged finding.
 */
export function synthTemplate(opts: BuildAppOptions = {}): Record<string, unknown> {
  const { app, stack } = buildApp({ skipBundling: true, validateTemplate: false, ...opts });
  const template: unknown = app.synth().getStackByName(stack.stackName).template;
  if (typeof template !== 'object' || template === null) throw new Error('synth produced no template');
  return template as Record<string, unknown>;
}

const invokedAsScript =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedAsScript) buildApp().app.synth();
