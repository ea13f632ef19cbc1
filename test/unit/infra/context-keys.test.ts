/**
 * The stack's context keys: a misspelt setting (`-c customerTopicShard=3`,
 * one letter short) fails the synth naming the setting it resembles, instead
 * of deploying the default (one customer topic: the others deleted with their
 * subscriptions). Keys the CDK sets itself, and other keys of the user's own,
 * pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../infra/app.js';
import { checkContextKeys, STACK_CONTEXT_KEYS, settingMeant } from '../../../infra/context-keys.js';

const buildWith = (context: Record<string, unknown>) =>
  buildApp({ skipBundling: true, validateTemplate: false, context });

describe('cdk context keys', () => {
  it.each([
    ['customerTopicShard', '3', 'customerTopicShards'],
    ['auditRetentionYear', '7', 'auditRetentionYears'],
    ['drawdownThreshold', '75,95', 'drawdownThresholds'],
    ['expiryLeadDay', '60,14,3', 'expiryLeadDays'],
    ['auditTrial', 'false', 'auditTrail'],
  ])('fails the synth on -c %s=%s, naming %s and how to set it', (key, value, meant) => {
    expect(() => buildWith({ [key]: value })).toThrow(new RegExp(`did you mean ${meant}\\? \\(-c ${meant}=`));
  });

  it.each([
    ['customertopicshards', 'customerTopicShards'],
    ['CUSTOMERTOPICSHARDS', 'customerTopicShards'],
    ['customerTopicShardz', 'customerTopicShards'],
    ['customerTopicsShard', 'customerTopicShards'],
    ['auditRetnetionYears', 'auditRetentionYears'],
    ['expiryLeadsDays', 'expiryLeadDays'],
    ['drawdown-thresholds', 'drawdownThresholds'],
  ])('takes %s for a misspelling of %s', (key, meant) => {
    expect(settingMeant(key)).toBe(meant);
  });

  it('names every misspelt key at once', () => {
    expect(() => checkContextKeys(['auditTrial', 'customerTopicShard'])).toThrow(
      /"auditTrial" .*auditTrail.*; context key "customerTopicShard" .*customerTopicShards/,
    );
  });

  it("passes the settings themselves, cdk.json's keys and the toolkit's own", () => {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };
    const keys = [
      ...Object.keys(STACK_CONTEXT_KEYS),
      ...Object.keys(cdkJson.context),
      'aws:cdk:enable-path-metadata',
      'aws:cdk:bundling-stacks',
      'aws-cdk:enableDiffNoFail',
      'acknowledged-issue-numbers',
      'availability-zones:account=123456789012:region=eu-west-1',
    ];
    expect(checkContextKeys(keys)).toEqual({ unknown: [] });
  });

  it("returns, unrefused, a key of the user's own that resembles no setting", () => {
    expect(checkContextKeys(['stage', 'shards', 'customerTopicShards'])).toEqual({
      unknown: ['stage', 'shards'],
    });
  });
});
