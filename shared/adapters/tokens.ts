import { randomUUID } from 'node:crypto';

/**
 * A fresh work token (`pendingWork`): the time, for a person reading the item,
 * and 8 random hex digits, so two writers never pick the same one. The
 * handlers (functions/runtime.ts) and the CLI (`reconcile --fix`'s release
 * request) ask for work with it.
 */
export const newToken = (): string => `${new Date().toISOString()}#${randomUUID().slice(0, 8)}`;
