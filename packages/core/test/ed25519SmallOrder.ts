/**
 * Test support only: every 32-byte string that a permissive Ed25519 decoder reads as a point of small order
 * (order 1, 2, 4 or 8), as a known-answer vector set. Never imported by library code.
 *
 * Where the list comes from:
 * - libsodium's blocklist in `ge25519_has_small_order` (`crypto_core/ed25519/ref10/ed25519_ref10.c`) holds the
 *   seven y values 0, 1, p − 1, p, p + 1 and the two y values of the points of order 8, compared with the sign
 *   bit of x ignored: 14 encodings.
 * - C2SP CCTV's Ed25519 vectors (`ed25519/README.md`, flag `low_order_A`) describe the same set as "eight plus six
 *   alternative encodings" of the low-order points.
 * - Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs" (SSR 2020), discuss the same points and their
 *   non-canonical encodings as the source of the disagreements between Ed25519 verifiers.
 *
 * The eight canonical encodings are the eight torsion points; the six alternatives are the non-canonical
 * encodings `y + p` (only y = 0 and y = 1 have one below 2²⁵⁵) and the encodings of x = 0 with the sign bit set,
 * which RFC 8032 §5.1.3 step 4 declares invalid. `_edwardsPoint.test.ts` checks this list against an independent
 * derivation of the torsion subgroup, so a typo here fails the tests.
 */

/** One encoding of a point of small order. */
export interface SmallOrderEncoding {
  /** The 32 bytes, hex, as they appear in a COSE_Key's `x` (RFC 8032 §5.1.2, little-endian y, x's sign in bit 255). */
  hex: string;
  /** Order of the point it names under a permissive decoder (y taken mod p, x = 0 whatever the sign bit). */
  order: 1 | 2 | 4 | 8;
  /** Whether RFC 8032 §5.1.3 decodes it (y < p, and not x = 0 with the sign bit set). */
  canonical: boolean;
  /** What it is. */
  name: string;
}

const FF29 = 'ff'.repeat(29);
const ZERO30 = '00'.repeat(30);

/** The 14 encodings: 8 canonical ones (one per torsion point) and 6 alternatives. */
export const SMALL_ORDER_ENCODINGS: readonly SmallOrderEncoding[] = [
  { hex: `01${ZERO30}00`, order: 1, canonical: true, name: 'identity (0, 1)' },
  { hex: `ec${FF29}ff7f`, order: 2, canonical: true, name: '(0, −1), y = p − 1' },
  { hex: `00${ZERO30}00`, order: 4, canonical: true, name: '(√−1, 0) with even x' },
  { hex: `00${ZERO30}80`, order: 4, canonical: true, name: '(−√−1, 0) with odd x' },
  { hex: '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', order: 8, canonical: true, name: 'order 8, first y, even x' },
  { hex: '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', order: 8, canonical: true, name: 'order 8, first y, odd x' },
  { hex: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', order: 8, canonical: true, name: 'order 8, second y, even x' },
  { hex: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', order: 8, canonical: true, name: 'order 8, second y, odd x' },
  { hex: `01${ZERO30}80`, order: 1, canonical: false, name: 'identity with the sign bit set on x = 0' },
  { hex: `ec${FF29}ffff`, order: 2, canonical: false, name: '(0, −1) with the sign bit set on x = 0' },
  { hex: `ed${FF29}ff7f`, order: 4, canonical: false, name: 'y = p (≡ 0), even x' },
  { hex: `ed${FF29}ffff`, order: 4, canonical: false, name: 'y = p (≡ 0), odd x' },
  { hex: `ee${FF29}ff7f`, order: 1, canonical: false, name: 'identity as y = p + 1' },
  { hex: `ee${FF29}ffff`, order: 1, canonical: false, name: 'identity as y = p + 1 with the sign bit set' },
];

/** Hex to bytes, for the strings above. */
export function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}
