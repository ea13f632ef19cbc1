import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';

interface Violation {
  readonly ruleName: string;
  readonly violatingResources: readonly { readonly constructPath?: string }[];
}

/** Every acknowledgement recorded in the tree: construct path, rule ID, reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** The AWS Solutions pack's findings as if nothing had been acknowledged. */
function rawFindings(root: IConstruct): Violation[] {
  const pack = new AwsSolutionsChecks();
  // isAcknowledged is private to cdk-nag; disabling it shows what each
  // acknowledgement hides.
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(root).violations as Violation[];
}

describe('cdk-nag (AWS Solutions)', () => {
  it('synthesizes with full validation and no unacknowledged finding', () => {
    const { app } = buildApp({ skipBundling: true });
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('ties every acknowledgement to a finding it actually hides, with a reason', () => {
    const { app } = buildApp({ skipBundling: true, validateTemplate: false });
    const findings = rawFindings(app);
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const hidden = findings.some(
        (f) =>
          f.ruleName === ack.id &&
          f.violatingResources.some((r) => r.constructPath?.startsWith(`${ack.path}/`)),
      );
      expect(hidden, `${ack.id} at ${ack.path} hides nothing`).toBe(true);
      expect(ack.reason.length, `${ack.id} at ${ack.path} needs a reason`).toBeGreaterThan(40);
    }
  });

  it('rejects an unacknowledged finding by failing synth', () => {
    const { app, stack } = buildApp({ skipBundling: true, validateTemplate: false });
    stack.licenseClock.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:*'], resources: [stack.topics.ops.topic.topicArn] }),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::sns:\*\]/);
  });
});
