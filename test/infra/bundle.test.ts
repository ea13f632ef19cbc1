/**
 * The functions as Lambda runs them: esbuild ESM bundles from a real synth,
 * imported by plain Node with a Lambda-like environment, X-Ray tracing on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { ENV } from '../../shared/names.js';

const outdir = mkdtempSync(join(tmpdir(), 'clearance-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const { app, stack } = buildApp({ outdir, validateTemplate: false });
const assembly = app.synth();
const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<
  string,
  { Type: string; Metadata?: Record<string, string>; Properties: { Code?: { S3Key?: string } } }
>;
// The asset of a function is cdk.out/asset.<hash>, where <hash>.zip is its S3 key.
const bundles = Object.values(resources)
  .filter((r) => r.Type === 'AWS::Lambda::Function')
  .map((r) => ({
    entry: r.Metadata?.['clearance:entry'] ?? '',
    dir: join(outdir, `asset.${(r.Properties.Code?.S3Key ?? '').replace(/\.zip$/, '')}`),
  }));

/** Imports a bundle in a fresh Node process and, optionally, runs its handler; returns what it printed. */
function run(dir: string, script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_LAMBDA_FUNCTION_NAME: 'bundle-test',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      // Lambda's Node 24 never prints the SDK's Node 22 notice; this host's Node may (README, "Prerequisites").
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
      POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
      POWERTOOLS_SERVICE_NAME: 'bundle-test',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      [ENV.licensesTable]: 'licenses',
      [ENV.shipmentsTable]: 'shipments',
      [ENV.inventoryTable]: 'inventory',
      [ENV.historyTable]: 'history',
      [ENV.talliesTable]: 'tallies',
      [ENV.opsTopicArn]: 'arn:aws:sns:us-east-1:000000000000:ops',
      [ENV.customerTopicArns]: 'arn:aws:sns:us-east-1:000000000000:customer',
      [ENV.logisticsTopicArn]: 'arn:aws:sns:us-east-1:000000000000:logistics',
      [ENV.releaseTimeBudgetMs]: '1000',
      [ENV.releaseConcurrency]: '4',
      [ENV.settleDelayMs]: '30000',
      [ENV.releaseFirstSliceMs]: '1000',
      [ENV.drawdownThresholds]: '80,90,100',
      [ENV.expiryLeadDays]: '30,7,1',
      // A closed port: a call that gets this far has passed the tracer and the SDK.
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    },
  });
}

describe('the ESM bundles', () => {
  it('builds one bundle per function', () => {
    expect(bundles.map((b) => b.entry).sort()).toEqual([
      'functions/license-clock.ts',
      'functions/license-events.ts',
      'functions/shipment-events.ts',
      'functions/shipment-history.ts',
    ]);
  });

  it.each(bundles)('loads $entry as an ES module exporting handler', ({ dir }) => {
    expect(run(dir, "const m = await import('./index.mjs'); console.log(typeof m.handler);").trim()).toBe(
      'function',
    );
  });

  it('runs license-clock through the traced SDK client up to the network', () => {
    const clock = bundles.find((b) => b.entry === 'functions/license-clock.ts');
    if (!clock) throw new Error('no license-clock bundle');
    const out = run(
      clock.dir,
      `const { handler } = await import('./index.mjs');
       const context = { functionName: 'bundle-test', awsRequestId: 'r1', getRemainingTimeInMillis: () => 60000 };
       try { await handler({}, context); console.log('no error'); }
       catch (e) { console.log('error:', e.name, e.message.slice(0, 80)); }`,
    );
    expect(out).toMatch(/error: .*(ECONNREFUSED|connect)/);
  });
});
