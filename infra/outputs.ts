/**
 * Names of the deployed stack and of its outputs, which code outside the CDK
 * app needs (the CLI reads the outputs). No aws-cdk-lib import here: the CLI
 * loads this module at run time. The functions' tuning constants are in
 * ./tuning.ts.
 */

/** The stack's construct ID, which is also its CloudFormation stack name. */
export const STACK_ID = 'Clearance';

/** Keys of the stack outputs that the CLI and operators read. */
export const STACK_OUTPUTS = {
  licensesTableName: 'LicensesTableName',
  shipmentsTableName: 'ShipmentsTableName',
  inventoryTableName: 'InventoryTableName',
  historyTableName: 'HistoryTableName',
  customerTopicArn: 'CustomerTopicArn',
  logisticsTopicArn: 'LogisticsTopicArn',
  opsTopicArn: 'OpsTopicArn',
  licenseEventsDlqUrl: 'LicenseEventsDlqUrl',
  licenseEventsDlqArn: 'LicenseEventsDlqArn',
  shipmentEventsDlqUrl: 'ShipmentEventsDlqUrl',
  shipmentEventsDlqArn: 'ShipmentEventsDlqArn',
  shipmentHistoryDlqUrl: 'ShipmentHistoryDlqUrl',
  shipmentHistoryDlqArn: 'ShipmentHistoryDlqArn',
  subscriptionDlqUrl: 'SubscriptionDlqUrl',
  subscriptionDlqArn: 'SubscriptionDlqArn',
  licenseEventsFunctionName: 'LicenseEventsFunctionName',
  shipmentEventsFunctionName: 'ShipmentEventsFunctionName',
  shipmentHistoryFunctionName: 'ShipmentHistoryFunctionName',
  licenseClockFunctionName: 'LicenseClockFunctionName',
} as const;

/**
 * Output holding the ARN of the role `clearance subscribe` must assume on AWS:
 * the customer topic policies deny sns:Subscribe to every other principal.
 */
export const SUBSCRIPTION_MANAGER_ROLE_OUTPUT = 'SubscriptionManagerRoleArn';

/** Outputs of the audit trail, present unless it is turned off (`-c auditTrail=false`). */
export const AUDIT_OUTPUTS = {
  trailArn: 'AuditTrailArn',
  bucketName: 'AuditLogBucketName',
} as const;
