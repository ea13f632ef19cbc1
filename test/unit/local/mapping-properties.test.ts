/**
 * The local stack reads each AWS::Lambda::EventSourceMapping from the
 * synthesized template (local/template/mappings.ts) and refuses a property it
 * does not model: a CDK change such as `tumblingWindow` on a StreamConsumer
 * (TumblingWindowInSeconds: on AWS the handler then gets
 * `window`/`state`/`isFinalInvokeForWindow` and must return `state`) would
 * otherwise deploy one behaviour and be emulated as another, with every test
 * still passing. The template's real mapping is used, with one property added.
 */
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../../local/template/mappings.js';
import { TemplateModelError } from '../../../local/template/model.js';

/** The Licenses mapping exactly as `cdk synth` writes it (cdk.out/Clearance.template.json). */
const LICENSE_MAPPING = {
  BatchSize: 100,
  BisectBatchOnFunctionError: true,
  DestinationConfig: {
    OnFailure: { Destination: { 'Fn::GetAtt': ['LicenseEventsStreamDlqEDEE22AF', 'Arn'] } },
  },
  EventSourceArn: { 'Fn::GetAtt': ['TablesLicenses414658CC', 'StreamArn'] },
  FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT","MODIFY","REMOVE"]}' }] },
  FunctionName: { Ref: 'LicenseEventsFunction7546AECD' },
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  MaximumRecordAgeInSeconds: 43200,
  MaximumRetryAttempts: 5,
  ParallelizationFactor: 1,
  StartingPosition: 'TRIM_HORIZON',
};

const entry = (props: Record<string, unknown>) => ({
  logicalId: 'LicenseMapping',
  where: 'Resources.LicenseMapping',
  resource: { Type: 'AWS::Lambda::EventSourceMapping', Properties: props },
  props,
  parameters: {},
});

describe('event source mapping properties the emulator does not model', () => {
  it('reads the deployed mapping', () => {
    expect(parseMapping(entry(LICENSE_MAPPING)).batchSize).toBe(100);
  });

  it('refuses TumblingWindowInSeconds instead of silently emulating a mapping without it', () => {
    expect(() => parseMapping(entry({ ...LICENSE_MAPPING, TumblingWindowInSeconds: 60 }))).toThrow(
      TemplateModelError,
    );
  });
});
