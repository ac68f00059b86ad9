import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('main entry', () => {
  it('imports no TensorFlow.js', () => {
    const files = readdirSync(srcDir).filter((name) => name.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const name of files) {
      const text = readFileSync(join(srcDir, name), 'utf8');
      expect(text, name).not.toMatch(/from '(@bml\/core\/tensor|@tensorflow\/[^']*|\.\/neural\/[^']*)'/);
    }
  });
});
