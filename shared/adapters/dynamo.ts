/**
 * The DynamoDB adapters of the repository ports (History appends included), one file each under
 * ./dynamo/, with the expression builders (expressions.ts) and the
 * transaction packing and retry classification (transactions.ts) they share.
 */
export { DynamoHistoryRepository } from './dynamo/history-repository.js';
export { DynamoInventoryRepository } from './dynamo/inventory-repository.js';
export { DynamoLicenseRepository } from './dynamo/license-repository.js';
export { batchGetItems } from './dynamo/reads.js';
export { DynamoShipmentRepository, licenseIndexPages } from './dynamo/shipment-repository.js';
export { DynamoTallyRepository } from './dynamo/tally-repository.js';
