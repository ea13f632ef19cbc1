/**
 * README.md and SECURITY.md give the size of the bad-input corpus: a case added to
 * test/corpus/cases.ts without them fails here (docs/bad-input.md is checked by
 * the corpus project, which renders it again).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusCases } from '../../corpus/cases.js';

describe('the bad-input corpus size in the docs', () => {
  const size = corpusCases().length;

  it.each([
    ['README.md', /corpus of malformed and hostile console edits \((\d+) today\)/],
    ['SECURITY.md', /bad-input\.test\.ts` \((\d+) cases/],
  ])('%s gives the number of cases in test/corpus/cases.ts', (file, pattern) => {
    expect(Number(pattern.exec(readFileSync(file, 'utf8'))?.[1])).toBe(size);
  });
});
