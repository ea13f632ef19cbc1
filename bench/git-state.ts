/**
 * The commit a bench run's code is at, and whether tracked files differ from
 * it. Only measured code counts: an untracked file (a worktree's
 * node_modules link) and the bench's own outputs (BENCHMARKS.md and
 * bench/results, which a run before this one rewrote) change nothing
 * measured. Null where git cannot answer (no repository).
 */
import { execFileSync } from 'node:child_process';

export function gitState(): { commit: string | null; dirty: boolean | null } {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  const status = git([
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    '.',
    ':(exclude)BENCHMARKS.md',
    ':(exclude)bench/results',
  ]);
  return { commit: commit ?? null, dirty: status === undefined ? null : status !== '' };
}
