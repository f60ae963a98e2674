/**
 * Where a {@link ServerFault} came from: one of the application's callbacks, or the credential record the
 * application's store returned.
 *
 * @internal
 */
export type ServerFaultSource = 'authenticate' | 'userHandle' | 'onAuthenticated' | 'stored credential';

/**
 * A failure that is the server's whatever its cause says: an application callback that threw or returned
 * something unusable, or a stored credential the core could not use. Even a `TesseraError` whose code would
 * be the client's (say `ticket_not_found` from `authenticate`) becomes 500 / 50001, and the cause is logged.
 * Never leaves the package.
 *
 * @internal
 */
export class ServerFault extends Error {
  readonly source: ServerFaultSource;

  /**
   * @param source - see {@link ServerFaultSource}
   * @param cause - what was thrown, or what was wrong
   */
  constructor(source: ServerFaultSource, cause: unknown) {
    super(`GenAuth handler: ${source} failed.`, { cause });
    this.name = 'ServerFault';
    this.source = source;
  }
}

/**
 * Runs an application callback; whatever it throws becomes a {@link ServerFault}.
 *
 * @internal
 */
export async function callback<Result>(source: ServerFaultSource, run: () => Result | Promise<Result>): Promise<Result> {
  try {
    return await run();
  } catch (error) {
    throw new ServerFault(source, error);
  }
}
