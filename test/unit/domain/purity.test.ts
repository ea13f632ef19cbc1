import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const DOMAIN = fileURLToPath(new URL('../../../shared/domain/', import.meta.url));
const FORBIDDEN = [
  /^@aws-sdk\//,
  /^aws-lambda$/,
  /^@types\/aws-lambda$/,
  /^@aws-lambda-powertools\//,
  /^@middy\//,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file imports: static and type imports, re-exports, dynamic import() and require(). */
function importedModules(source: string): string[] {
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1] ?? ''));
}

describe('domain purity', () => {
  const files = sourceFiles(DOMAIN);

  test('finds the domain modules to check', () => {
    const names = files.map((f) => relative(DOMAIN, f));
    for (const expected of [
      'model.ts',
      'license-rules.ts',
      'shipment-rules.ts',
      'counters.ts',
      'planning.ts',
    ]) {
      expect(names).toContain(expected);
    }
  });

  test('recognises every import form it checks for', () => {
    const sample = [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import type { Context } from 'aws-lambda';",
      'import {\n  a,\n  b,\n} from "@aws-sdk/lib-dynamodb";',
      "export { x } from '@middy/core';",
      "import '@aws-lambda-powertools/tracer';",
      "const m = await import('@aws-sdk/client-sns');",
      "const r = require('aws-lambda');",
    ].join('\n');
    expect(importedModules(sample)).toEqual(
      expect.arrayContaining([
        '@aws-sdk/client-dynamodb',
        'aws-lambda',
        '@aws-sdk/lib-dynamodb',
        '@middy/core',
        '@aws-lambda-powertools/tracer',
        '@aws-sdk/client-sns',
      ]),
    );
  });

  test.each(files.map((f) => [relative(DOMAIN, f), f]))(
    'keeps %s free of AWS SDK, aws-lambda and Lambda middleware imports',
    (_name, file) => {
      const offending = importedModules(readFileSync(file, 'utf8')).filter((m) =>
        FORBIDDEN.some((re) => re.test(m)),
      );
      expect(offending).toEqual([]);
    },
  );
});
