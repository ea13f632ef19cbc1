/** Lane 1 of the seeded chaos runs (test/chaos/lane.ts deals the seeds). */
import { chaosLane } from './lane.js';

chaosLane(1);
