import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app.js';
import type { ClearanceStack } from '../../infra/stack.js';

/** A synthesized clearance stack and the helpers the infra tests share. */
export interface Synthesized {
  readonly stack: ClearanceStack;
  readonly template: Template;
  /** Logical ID of the L1 resource behind `construct` (its default child). */
  logicalId(construct: IConstruct): string;
  /** Resource by logical ID from the synthesized template. */
  resource(logicalId: string): TemplateResource;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** One Allow or Deny statement, with Action and Resource always arrays. */
export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly resources: unknown[];
  readonly principal?: unknown;
  readonly condition?: Record<string, Record<string, unknown>>;
  readonly sid?: string;
}

/**
 * Synthesizes the stack once, in-process, without bundling and without CDK's
 * built-in template validation (nag.test.ts runs that). cdk-nag still runs, so
 * an unacknowledged finding fails here too.
 */
export function synthesize(): Synthesized {
  const { stack } = buildApp({ skipBundling: true, validateTemplate: false });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, TemplateResource>;
  return {
    stack,
    template,
    logicalId(construct) {
      const element = (construct.node.defaultChild ?? construct) as CfnElement;
      return stack.getLogicalId(element);
    },
    resource(logicalId) {
      const found = resources[logicalId];
      if (!found) throw new Error(`no resource ${logicalId} in the template`);
      return found;
    },
  };
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Statements of a policy document, normalized. */
export function statementsOf(document: unknown): Statement[] {
  const raw = (document as { Statement?: unknown[] }).Statement ?? [];
  return raw.map((entry) => {
    const s = entry as Record<string, unknown>;
    return {
      effect: String(s.Effect),
      actions: asArray(s.Action).map(String),
      resources: asArray(s.Resource),
      principal: s.Principal,
      condition: s.Condition as Statement['condition'],
      sid: s.Sid as string | undefined,
    };
  });
}

/** Every statement of every AWS::IAM::Policy attached to the role, and of its inline policies. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const json = template.toJSON().Resources as Record<string, TemplateResource>;
  const statements: Statement[] = [];
  for (const resource of Object.values(json)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = asArray(props.Roles);
      if (roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) {
        statements.push(...statementsOf(props.PolicyDocument));
      }
    }
  }
  const role = json[roleLogicalId];
  for (const inline of asArray(role?.Properties?.Policies ?? [])) {
    statements.push(...statementsOf((inline as { PolicyDocument: unknown }).PolicyDocument));
  }
  return statements;
}

/** Resources an Allow statement grants `action` on. */
export function resourcesGranted(statements: Statement[], action: string): unknown[] {
  return statements
    .filter((s) => s.effect === 'Allow' && s.actions.includes(action))
    .flatMap((s) => s.resources);
}

/** Actions an Allow statement grants on exactly `resource`. */
export function actionsOn(statements: Statement[], resource: unknown): string[] {
  const key = JSON.stringify(resource);
  return statements
    .filter((s) => s.effect === 'Allow' && s.resources.some((r) => JSON.stringify(r) === key))
    .flatMap((s) => s.actions);
}

export const ref = (logicalId: string) => ({ Ref: logicalId });
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
export const streamArnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'StreamArn'] });
export const indexArnsOf = (logicalId: string) => ({ 'Fn::Join': ['', [arnOf(logicalId), '/index/*']] });
