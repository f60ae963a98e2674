import { describe, expect, it } from 'vitest';
import { typeScriptBlocks } from './typeScriptBlocks.ts';

describe('typeScriptBlocks', () => {
  it('finds ts and typescript blocks with their first code line, and no other language', () => {
    const markdown = ['# Title', '```ts', 'const a = 1;', '```', '```sh', 'echo no', '```', '````typescript', '```', 'let b;', '````'].join('\n');
    expect(typeScriptBlocks(markdown)).toEqual([
      { line: 3, code: 'const a = 1;' },
      { line: 9, code: '```\nlet b;' },
    ]);
  });

  it('reads a fragment marker and its reason from the first line only', () => {
    const markdown = ['```ts', '// Fragment: the shape only', 'interface A {}', '```', '```ts', 'x;', '// Fragment: too late', '```'].join('\n');
    const [fragment, compiled] = typeScriptBlocks(markdown);
    expect(fragment?.fragmentReason).toBe('the shape only');
    expect(compiled?.fragmentReason).toBeUndefined();
  });

  it('ignores a block that never closes', () => {
    expect(typeScriptBlocks('```ts\nconst a = 1;\n')).toEqual([]);
  });
});
