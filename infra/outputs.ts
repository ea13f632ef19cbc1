/**
 * Names and constants of the deployed stack that code outside the CDK app
 * needs (the CLI reads the outputs). No aws-cdk-lib import here: the CLI loads
 * this module at run time.
 */

/** The stack's construct ID, which is also its CloudFormation stack name. */
export const STACK_ID = 'Clearance';

/** Keys of the stack outputs that the CLI and operators read. */
export const STACK_OUTPUTS = {
  licensesTableName: 'LicensesTableName',
  shipmentsTableName: 'ShipmentsTableName',
  inventoryTableName: 'InventoryTableName',
  customerTopicArn: 'CustomerTopicArn',
  logisticsTopicArn: 'LogisticsTopicArn',
  opsTopicArn: 'OpsTopicArn',
  licenseEventsDlqUrl: 'LicenseEventsDlqUrl',
  licenseEventsDlqArn: 'LicenseEventsDlqArn',
  shipmentEventsDlqUrl: 'ShipmentEventsDlqUrl',
  shipmentEventsDlqArn: 'ShipmentEventsDlqArn',
  subscriptionDlqUrl: 'SubscriptionDlqUrl',
  subscriptionDlqArn: 'SubscriptionDlqArn',
  licenseEventsFunctionName: 'LicenseEventsFunctionName',
  shipmentEventsFunctionName: 'ShipmentEventsFunctionName',
  licenseClockFunctionName: 'LicenseClockFunctionName',
} as const;

/**
 * Output holding the ARN of the role `clearance subscribe` must assume on AWS:
 * the customer topic policies deny sns:Subscribe to every other principal.
 */
export const SUBSCRIPTION_MANAGER_ROLE_OUTPUT = 'SubscriptionManagerRoleArn';

/**
 * Time license-events gives one license's release before handing the rest to
 * a later invocation through the stream. A slice, not the whole timeout: the
 * other licenses in the batch (up to 10) each get their slice in the same
 * invocation, so a huge release never starves them (10 × 60 s < 900 s).
 */
export const RELEASE_TIME_BUDGET_MS = 60_000;

/**
 * From the end of a license pass to its settling pass (ARCHITECTURE.md, "GSI
 * reads lag on AWS"): far beyond GSI lag, which is usually well under a
 * second. The clock runs every minute, so the settling pass follows within
 * 30–90 s.
 */
export const SETTLE_DELAY_MS = 30_000;
