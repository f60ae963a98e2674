/**
 * Default request body limit of the adapters: 64 KiB, far above a registration response with an RSA key and
 * an attestation chain (WebAuthn L3 §5.1), and far below harm.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 65_536;
