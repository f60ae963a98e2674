/**
 * Finds the TypeScript code blocks of a Markdown document, so the README examples can be compiled.
 */

/** The marker that exempts a block from compiling; what follows it on the line is the reason. */
export const FRAGMENT_MARKER = '// Fragment:';

/** One fenced TypeScript block of a Markdown file. */
export interface TypeScriptBlock {
  /** 1-based line of the block's first code line in the Markdown file. */
  line: number;
  /** The code between the fences. */
  code: string;
  /**
   * Set when the block's first line is `// Fragment: <reason>`: a deliberate fragment (an interface's shape, a
   * line of a larger program) that is not compiled. The reason is what follows the marker, trimmed.
   */
  fragmentReason?: string;
}

/**
 * Every block fenced with ```` ```ts ```` or ```` ```typescript ```` (CommonMark fenced code blocks: a run of
 * three or more backticks or tildes opens, a run of the same character at least as long closes), in order.
 *
 * @param markdown - the Markdown text
 * @returns the blocks, each with the line it starts on
 */
export function typeScriptBlocks(markdown: string): TypeScriptBlock[] {
  const lines = markdown.split('\n');
  const blocks: TypeScriptBlock[] = [];
  let open: { fence: string; typescript: boolean; start: number } | undefined;
  for (const [index, line] of lines.entries()) {
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open === undefined) {
      if (fence?.[1] !== undefined) open = { fence: fence[1], typescript: /^(ts|typescript)$/i.test(fence[2] ?? ''), start: index + 1 };
      continue;
    }
    const closes = fence?.[1] !== undefined && fence[1][0] === open.fence[0] && fence[1].length >= open.fence.length && line.trim() === fence[1];
    if (!closes) continue;
    if (open.typescript) blocks.push(blockOf(lines.slice(open.start, index), open.start + 1));
    open = undefined;
  }
  return blocks;
}

function blockOf(codeLines: string[], line: number): TypeScriptBlock {
  const code = codeLines.join('\n');
  const first = codeLines[0]?.trim() ?? '';
  return first.startsWith(FRAGMENT_MARKER) ? { line, code, fragmentReason: first.slice(FRAGMENT_MARKER.length).trim() } : { line, code };
}
