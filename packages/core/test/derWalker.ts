/**
 * Test support only: walks DER elements (ITU-T X.690 §8.1) to locate byte ranges inside captured certificates,
 * for tests that flip bytes in chosen fields. Assumes well-formed DER; never imported by library code.
 */

/** One element: its tag, where it starts, where its contents start, and where it ends (exclusive). */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The element starting at `offset` in `der`. */
export function nodeAt(der: Uint8Array, offset: number): DerNode {
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
    contentStart += count;
  }
  return { tag, start: offset, contentStart, end: contentStart + length };
}

/** The elements inside a constructed element. */
export function childrenOf(der: Uint8Array, node: DerNode): DerNode[] {
  const children: DerNode[] = [];
  for (let offset = node.contentStart; offset < node.end; ) {
    const child = nodeAt(der, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}
