/**
 * A context key the stack does not read, and that misspells none of its
 * settings (those fail the synth: test/unit/infra/context-keys.test.ts), is
 * the user's own: the synth warns of it (`cdk synth --strict` fails) and
 * goes on.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { buildApp } from '../../infra/app.js';

const annotationsWith = (context: Record<string, unknown>) => {
  const { stack } = buildApp({ skipBundling: true, validateTemplate: false, context });
  return Annotations.fromStack(stack);
};

describe('context keys the stack does not read', () => {
  it("warns of a key of the user's own, naming it", () => {
    annotationsWith({ stage: 'prod' }).hasWarning(
      '*',
      Match.stringLikeRegexp('context stage: not a setting of this stack, ignored'),
    );
  });

  it("warns of nothing with the settings and cdk.json's feature flags", () => {
    annotationsWith({ customerTopicShards: 2, auditRetentionYears: '7' }).hasNoWarning(
      '*',
      Match.stringLikeRegexp('not a setting of this stack'),
    );
  });
});
