/**
 * Default `Retry-After` of the adapters' 503 answer to `store_unavailable`, in seconds (RFC 9110 §10.2.3).
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
