import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/outputs.js';
import { StackNotFoundError } from '../errors.js';
import type { DescribeStack, Resources } from '../resources.js';
import { explainDescribeError } from './errors.js';
import { FUNCTION_KEYS } from './functions.js';

/** The output keys the CLI reads (STACK_OUTPUTS of infra/outputs.ts). */
export interface OutputKeys {
  licensesTableName: string;
  shipmentsTableName: string;
  inventoryTableName: string;
  historyTableName: string;
  customerTopicArn: string;
  logisticsTopicArn: string;
  opsTopicArn: string;
  licenseEventsDlqUrl: string;
  shipmentEventsDlqUrl: string;
  shipmentHistoryDlqUrl: string;
  subscriptionDlqUrl: string;
  subscriptionDlqArn: string;
  licenseEventsFunctionName: string;
  shipmentEventsFunctionName: string;
  shipmentHistoryFunctionName: string;
}

/**
 * Maps a deployed stack's outputs to resources. Customer topic shards come
 * from `CustomerTopicArn0..N-1` when the stack has them, else the single
 * `CustomerTopicArn`.
 */
export function resourcesFromOutputs(
  outputs: Readonly<Record<string, string>>,
  keys: OutputKeys,
  meta: { stackName: string; region: string },
): Resources {
  const where = `stack ${meta.stackName} (${meta.region})`;
  const missing: string[] = [];
  const need = (key: string): string => {
    const value = outputs[key];
    if (value === undefined || value === '') {
      missing.push(key);
      return '';
    }
    return value;
  };
  const shardPattern = new RegExp(`^${keys.customerTopicArn}(\\d+)$`);
  const shardNumbers = Object.keys(outputs)
    .map((k) => shardPattern.exec(k)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const customerShards = shardNumbers.map((n) => outputs[`${keys.customerTopicArn}${n}`] ?? '');
  const gap = shardNumbers.findIndex((n, i) => n !== i);
  if (gap >= 0) {
    throw new StackNotFoundError(
      `${where} has customer topic outputs ${shardNumbers.map((n) => `${keys.customerTopicArn}${n}`).join(', ')}, ` +
        `but not ${keys.customerTopicArn}${gap}: shards must be numbered 0..N-1. Redeploy with \`npx cdk deploy\``,
    );
  }
  const resources: Resources = {
    origin: 'aws',
    source: where,
    region: meta.region,
    tables: {
      licenses: need(keys.licensesTableName),
      shipments: need(keys.shipmentsTableName),
      inventory: need(keys.inventoryTableName),
      // Optional: a stack deployed before History existed still serves the other commands.
      ...(outputs[keys.historyTableName] ? { history: outputs[keys.historyTableName] } : {}),
    },
    topics: {
      customer:
        customerShards.length > 0
          ? (outputs[keys.customerTopicArn] ?? customerShards[0] ?? '')
          : need(keys.customerTopicArn),
      customerShards,
      logistics: need(keys.logisticsTopicArn),
      ops: need(keys.opsTopicArn),
    },
    dlqs: {
      licenseEvents: need(keys.licenseEventsDlqUrl),
      shipmentEvents: need(keys.shipmentEventsDlqUrl),
      shipmentHistory: need(keys.shipmentHistoryDlqUrl),
    },
    functions: {},
  };
  // Optional as a pair: only `clearance subscribe` needs it, and it says so.
  if (outputs[keys.subscriptionDlqUrl] || outputs[keys.subscriptionDlqArn]) {
    resources.subscriptionDlq = {
      url: need(keys.subscriptionDlqUrl),
      arn: need(keys.subscriptionDlqArn),
    };
  }
  const managerRole = outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT];
  if (managerRole) resources.subscriptionManagerRoleArn = managerRole;
  for (const fn of FUNCTION_KEYS) {
    const name = outputs[keys[`${fn}FunctionName`]];
    if (name) resources.functions[fn] = { name };
  }
  if (missing.length > 0) {
    throw new StackNotFoundError(
      `${where} lacks the output${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: it was deployed from an older version. Redeploy with \`npx cdk deploy\``,
    );
  }
  return resources;
}

/** Reads a deployed stack's outputs with CloudFormation DescribeStacks. */
export const describeStackOutputs: DescribeStack = async (stackName, region) => {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(region === undefined ? {} : { region });
  try {
    const resolvedRegion = await cfn.config.region().catch(() => undefined);
    const out = await cfn
      .send(new DescribeStacksCommand({ StackName: stackName }))
      .catch((error: unknown) => {
        throw explainDescribeError(error, stackName, resolvedRegion ?? region);
      });
    const stack = out.Stacks?.[0];
    if (!stack)
      throw explainDescribeError({ name: 'ValidationError', message: 'does not exist' }, stackName, region);
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? [])
      if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
    return { outputs, region: resolvedRegion ?? region ?? '' };
  } finally {
    cfn.destroy();
  }
};
