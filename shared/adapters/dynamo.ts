/**
 * The DynamoDB adapters of the three repository ports, one file each under
 * ./dynamo/, with the expression builders (expressions.ts) and the
 * transaction packing and retry classification (transactions.ts) they share.
 */
export { DynamoInventoryRepository } from './dynamo/inventory-repository.js';
export { DynamoLicenseRepository } from './dynamo/license-repository.js';
export { DynamoShipmentRepository } from './dynamo/shipment-repository.js';
