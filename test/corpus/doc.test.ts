import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusCases } from './cases.js';
import { DOC_PATH, renderBadInputDoc } from './render.js';

describe('docs/bad-input.md', () => {
  it('is the rendering of the current corpus (run `npm run corpus:doc` after changing it)', () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(renderBadInputDoc());
  });

  it('covers at least 40 cases, each with a reason a person can act on', () => {
    const cases = corpusCases();
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      if (c.expected.kind === 'rejected') expect(c.expected.statusError.length, c.id).toBeGreaterThan(30);
    }
  });
});
