/**
 * The unit and integration projects share one module graph per worker
 * (`isolate: false` in vitest.config.ts). A file that replaces a module with
 * vi.mock or vi.doMock could then find the real module already loaded, or
 * leave its mock to the next file, so every such unit file must be listed in
 * UNIT_WITH_MODULE_MOCKS (the isolated project), every listed file must still
 * mock something, and no integration file (or helper of theirs) may mock.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHAOS_LANES, RUN_FIRST, UNIT_WITH_MODULE_MOCKS } from '../../../vitest.config.js';
import { sourceFiles } from '../../helpers/imports.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Built so that this file does not match itself. */
const MOCKS_A_MODULE = new RegExp(['\\bvi\\.(do)?', 'mock\\s*\\('].join(''));

describe('the unit projects', () => {
  it('run every file that mocks a module isolated, and list only such files', () => {
    const mocking = sourceFiles(join(ROOT, 'test/unit'))
      .filter((path) => path.endsWith('.test.ts') && MOCKS_A_MODULE.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path).split('\\').join('/'))
      .sort();
    expect(mocking.length, 'the scan finds the known vi.mock user').toBeGreaterThan(0);
    expect(mocking).toEqual([...UNIT_WITH_MODULE_MOCKS].sort());
  });
});

describe('the integration project', () => {
  it('mocks no module, in its files or their helpers', () => {
    const mocking = [
      ...sourceFiles(join(ROOT, 'test/integration')),
      ...sourceFiles(join(ROOT, 'test/helpers')),
    ]
      .filter((path) => MOCKS_A_MODULE.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path));
    expect(mocking).toEqual([]);
  });
});

describe('the files run first', () => {
  it('each exists, once', () => {
    for (const path of RUN_FIRST) expect(existsSync(join(ROOT, path)), path).toBe(true);
    expect(new Set(RUN_FIRST).size).toBe(RUN_FIRST.length);
  });
});

describe('the chaos lanes', () => {
  it('have one file each, calling its own lane, and no other lane file', () => {
    const lanes = readdirSync(join(ROOT, 'test/chaos'))
      .filter((name) => /^chaos-lane-\d+\.test\.ts$/.test(name))
      .sort();
    expect(lanes).toEqual(
      Array.from({ length: CHAOS_LANES }, (_, i) => `chaos-lane-${i + 1}.test.ts`).sort(),
    );
    for (const name of lanes) {
      const k = Number(/(\d+)/.exec(name)?.[1]);
      expect(readFileSync(join(ROOT, 'test/chaos', name), 'utf8'), name).toContain(`chaosLane(${k});`);
    }
  });
});
