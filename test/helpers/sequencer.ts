import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's own order (failed first, then longest first by its results cache),
 * except that the files named in `first` run first within their project, in
 * that order.
 *
 * Why: a fresh clone (CI) has no results cache, so vitest runs the files in
 * glob order, and a long file that sorts late starts last. With two files at a
 * time, the 135 s release-scale test then ran alone at the end of the
 * integration project: 372 s for 593 s of tests, which two workers share in
 * under 300 when the longest start first.
 */
export function longestFirst(first: readonly string[]) {
  return class LongestFirstSequencer extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const sorted = await super.sort(files);
      const projects = [...new Set(sorted.map((f) => f.project.name))];
      const rank = (f: TestSpecification): number => {
        const at = first.indexOf(relative(this.ctx.config.root, f.moduleId).split('\\').join('/'));
        return at < 0 ? first.length : at;
      };
      // Array.prototype.sort is stable: files of equal rank keep vitest's order.
      return sorted.sort(
        (a, b) => projects.indexOf(a.project.name) - projects.indexOf(b.project.name) || rank(a) - rank(b),
      );
    }
  };
}
