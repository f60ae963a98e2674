/**
 * Whether two byte strings are equal. Not constant-time: it compares public values (hashes of RP IDs),
 * never secrets.
 *
 * @internal
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
