/**
 * Where an adapter reports server faults. Details are for the application's logs only.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export interface AdapterLogger {
  /**
   * @param message - what failed
   * @param details - the adapter's context and the caught error
   */
  error(message: string, details: Record<string, unknown>): void;
}

/**
 * The logger adapters use when none is given: `console.error(message, details)`.
 *
 * For adapter authors only: not covered by semver stability; it may change in any release.
 */
export const consoleLogger: AdapterLogger = {
  error: (message, details) => console.error(message, details),
};
