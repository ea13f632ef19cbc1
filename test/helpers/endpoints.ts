/**
 * The local services of this test worker. The global setup starts one set
 * per worker of a project that runs files in parallel (./global-setup.ts);
 * vitest numbers its workers 1..maxWorkers in `VITEST_POOL_ID`, so two files
 * that run at the same time never share a DynamoDB Local.
 */
import { inject } from 'vitest';
import type { ServiceEndpoints } from '../../local/services.js';

export function workerEndpoints(): ServiceEndpoints {
  const sets = inject('localEndpoints');
  const poolId = Number(process.env.VITEST_POOL_ID ?? '1');
  const index = Number.isInteger(poolId) && poolId >= 1 ? (poolId - 1) % sets.length : 0;
  const endpoints = sets[index];
  if (endpoints === undefined)
    throw new Error('the global setup provided no local services (localEndpoints is empty)');
  return endpoints;
}
