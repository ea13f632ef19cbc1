/**
 * docs/samples/ holds what the renderers make now: a change to a message
 * that is not rendered again (npm run render-samples) fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSamples, SAMPLES_DIR } from '../../../docs/render-samples.js';

describe('docs/samples', () => {
  const rendered = renderSamples();

  it('holds exactly the rendered samples', () => {
    expect(readdirSync(SAMPLES_DIR).sort()).toEqual(Object.keys(rendered).sort());
  });

  it.each(Object.entries(rendered))(
    '%s is what the renderer makes now (npm run render-samples)',
    (name, text) => {
      expect(readFileSync(join(SAMPLES_DIR, name), 'utf8')).toBe(text);
    },
  );
});
