import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { importedModules, sourceFiles } from '../../helpers/imports.js';

const DOMAIN = fileURLToPath(new URL('../../../shared/domain/', import.meta.url));
const ENGINE = fileURLToPath(new URL('../../../shared/engine/', import.meta.url));
const FORBIDDEN = [
  /^@aws-sdk\//,
  /^aws-lambda$/,
  /^@types\/aws-lambda$/,
  /^@aws-lambda-powertools\//,
  /^@middy\//,
];

describe('domain and engine purity', () => {
  const files = [...sourceFiles(DOMAIN), ...sourceFiles(ENGINE)];

  test('finds the domain modules to check', () => {
    const names = files.map((f) => relative(join(DOMAIN, '..'), f));
    for (const expected of [
      'domain/model.ts',
      'domain/license-rules.ts',
      'domain/shipment-rules.ts',
      'domain/counters.ts',
      'domain/planning.ts',
      'engine/license-engine.ts',
      'engine/shipment-engine.ts',
      'engine/clock.ts',
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

  test.each(files.map((f) => [relative(join(DOMAIN, '..'), f), f]))(
    'keeps %s free of AWS SDK, aws-lambda and Lambda middleware imports',
    (_name, file) => {
      const offending = importedModules(readFileSync(file, 'utf8')).filter((m) =>
        FORBIDDEN.some((re) => re.test(m)),
      );
      expect(offending).toEqual([]);
    },
  );
});
