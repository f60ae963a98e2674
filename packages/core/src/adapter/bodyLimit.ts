/**
 * Default request body limit of the adapters: 64 KiB, far above a registration response with an RSA key and
 * an attestation chain (WebAuthn L3 §5.1), and far below harm.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 65_536;

/**
 * Default deadline of the adapters for a request body to arrive in full: 10 s. A body still arriving after
 * it gets 408 and its connection is closed (RFC 9110 §15.5.9), so a client that trickles bytes cannot hold
 * a connection until Node's 300 s `requestTimeout`.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
