/**
 * The repository ports in memory (./memory/): the engines run on a snapshot
 * of the tables and their writes land here, never in DynamoDB, and alerts
 * are recorded, never sent. `clearance license simulate` runs the license
 * engine on them; test/unit/adapters/memory-contract.test.ts holds them to
 * the cases the DynamoDB adapters answer.
 */
export { MemoryLicenseRepository } from './memory/license-repository.js';
export {
  MemoryHistoryRepository,
  MemoryInventoryRepository,
  MemoryPublisher,
  RecordingAlerter,
} from './memory/others.js';
export { MemoryShipmentRepository } from './memory/shipment-repository.js';
export { keyOf, MemoryTables } from './memory/tables.js';
export { MemoryValidationError } from './memory/update.js';
