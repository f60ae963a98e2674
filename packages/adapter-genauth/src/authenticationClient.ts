import { z } from 'zod';
import { TesseraError } from '@tessera/core';
import {
  errorRespDtoSchema,
  getAuthenticationOptionsRespDtoSchema,
  getRegistrationOptionsRespDtoSchema,
  verifyAuthenticationRespDtoSchema,
  verifyRegistrationRespDtoSchema,
  deleteCredentialRespDtoSchema,
  listCredentialsRespDtoSchema,
  renameCredentialRespDtoSchema,
  type DeleteCredentialRespDto,
  type ListCredentialsRespDto,
  type RenameCredentialRespDto,
  type ErrorRespDto,
  type GetAuthenticationOptionsRespDto,
  type GetRegistrationOptionsRespDto,
  type VerifyAuthenticationRespDto,
  type VerifyRegistrationRespDto,
} from './envelopes.ts';
import { GENAUTH_ROUTES } from './genAuthRoutes.ts';
import type { VerifyAuthenticationReqDto, VerifyRegistrationReqDto } from './requestBodies.ts';

/** Headers sent with every call: fixed, or computed per call (a fresh access token, say). */
export type ClientHeaders = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** Schema of the options of {@link AuthenticationClient}. */
export const authenticationClientOptionsSchema: z.ZodObject<
  {
    baseUrl: z.ZodUnion<readonly [z.ZodString, z.ZodCustom<URL, URL>]>;
    fetch: z.ZodOptional<z.ZodCustom<typeof globalThis.fetch, typeof globalThis.fetch>>;
    headers: z.ZodOptional<z.ZodCustom<ClientHeaders, ClientHeaders>>;
  },
  z.core.$strict
> = z.strictObject({
  baseUrl: z.union([z.string(), z.instanceof(URL)] as const),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function', 'must be a fetch function').optional(),
  headers: z.custom<ClientHeaders>((value) => typeof value === 'function' || (typeof value === 'object' && value !== null)).optional(),
});

/**
 * Options of {@link AuthenticationClient}: `baseUrl` (the server's origin plus the handler's `basePath`, an
 * http or https URL), `fetch` (default the global one; pass a wrapper to add `credentials: 'include'` or
 * retries) and `headers` (for example `Authorization`, which the registration routes need).
 */
export type AuthenticationClientOptions = z.input<typeof authenticationClientOptionsSchema>;

/**
 * A typed client for GenAuth's V3 WebAuthn API, as `createGenAuthHandler` serves it, in the shape of
 * GenAuth's SDK `AuthenticationClient`. Every method resolves to the envelope the server sent: the success
 * DTO, or an {@link ErrorRespDto} with its `statusCode` and `apiCode` (narrow with `'apiCode' in result` or
 * `isErrorRespDto`). Failures are not thrown, as in GenAuth's SDK; a network failure rejects as `fetch` does.
 *
 * @example
 * ```ts
 * const client = new AuthenticationClient({ baseUrl: 'https://example.com' });
 * const started = await client.initAuthenticationOptions();
 * if ('apiCode' in started) throw new Error(started.message);
 * const options = PublicKeyCredential.parseRequestOptionsFromJSON(started.data.authenticationOptions);
 * const credential = await navigator.credentials.get({ publicKey: options });
 * const result = await client.verifyAuthentication({ ticket: started.data.ticket, authenticationCredential: credential.toJSON() });
 * ```
 */
export class AuthenticationClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #headers: ClientHeaders | undefined;

  /**
   * @param options - see {@link AuthenticationClientOptions}
   * @throws {TesseraError} `invalid_config` for options that fail their schema or a base URL that is not http(s)
   */
  constructor(options: AuthenticationClientOptions) {
    const parsed = authenticationClientOptionsSchema.safeParse(options);
    let url: URL | undefined;
    if (parsed.success) {
      try {
        url = new URL(parsed.data.baseUrl);
      } catch {
        url = undefined;
      }
    }
    if (!parsed.success || url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
      throw new TesseraError('invalid_config', 'Invalid AuthenticationClient options: baseUrl must be an http(s) URL without query or fragment; fetch a function; headers an object or a function.', {
        cause: parsed.success ? undefined : parsed.error,
      });
    }
    this.#baseUrl = url.href.replace(/\/+$/, '');
    this.#fetch = parsed.data.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#headers = parsed.data.headers;
  }

  /**
   * GenAuth `initAuthenticationOptions`: `GET /api/v3/webauthn/authentication`, the options for
   * `navigator.credentials.get()` (WebAuthn L3 §5.5) and the ticket to send back.
   *
   * @returns the `GetAuthenticationOptionsRespDto`, or the failure envelope
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  initAuthenticationOptions(): Promise<GetAuthenticationOptionsRespDto | ErrorRespDto> {
    return this.#call('GET', GENAUTH_ROUTES.authentication, undefined, getAuthenticationOptionsRespDtoSchema);
  }

  /**
   * GenAuth `verifyAuthentication`: `POST /api/v3/webauthn/authentication` with the ticket and what
   * `credential.toJSON()` returned (WebAuthn L3 §7.2 is run on the server).
   *
   * @param input - `{ ticket, authenticationCredential, options? }`
   * @returns the verified sign-in (with what the server's `onAuthenticated` added), or the failure envelope
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  verifyAuthentication(input: VerifyAuthenticationReqDto): Promise<VerifyAuthenticationRespDto | ErrorRespDto> {
    return this.#call('POST', GENAUTH_ROUTES.authentication, input, verifyAuthenticationRespDtoSchema);
  }

  /**
   * `GET /api/v3/webauthn/registration`: the options for `navigator.credentials.create()` (WebAuthn L3
   * §5.4) for the signed-in caller, and the ticket to send back. Needs the caller's credentials in `headers`.
   *
   * @returns the registration options, or the failure envelope (401 without a signed-in caller)
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  initRegistrationOptions(): Promise<GetRegistrationOptionsRespDto | ErrorRespDto> {
    return this.#call('GET', GENAUTH_ROUTES.registration, undefined, getRegistrationOptionsRespDtoSchema);
  }

  /**
   * `POST /api/v3/webauthn/registration` with the ticket and what `credential.toJSON()` returned (WebAuthn
   * L3 §7.1 is run on the server, which stores the credential).
   *
   * @param input - `{ ticket, registrationCredential }`
   * @returns the registered credential, or the failure envelope
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  verifyRegistration(input: VerifyRegistrationReqDto): Promise<VerifyRegistrationRespDto | ErrorRespDto> {
    return this.#call('POST', GENAUTH_ROUTES.registration, input, verifyRegistrationRespDtoSchema);
  }

  /**
   * `GET /api/v3/webauthn/credentials`: the signed-in caller's passkeys, with `signals` to pass to the
   * browser's `PublicKeyCredential.signal*` methods (WebAuthn L3 §5.1.10).
   *
   * @returns the list, or the failure envelope (401 without a signed-in caller)
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  listCredentials(): Promise<ListCredentialsRespDto | ErrorRespDto> {
    return this.#call('GET', GENAUTH_ROUTES.credentials, undefined, listCredentialsRespDtoSchema);
  }

  /**
   * `PATCH /api/v3/webauthn/credentials/{id}`: renames one of the caller's passkeys.
   *
   * @param credentialId - the passkey's credential ID, base64url
   * @param name - the new name (1–64 characters once trimmed)
   * @returns the passkey as now stored, or the failure envelope (404 / 40402 for an id that is not the caller's, 400 / 40005 for a bad name)
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  renameCredential(credentialId: string, name: string): Promise<RenameCredentialRespDto | ErrorRespDto> {
    return this.#call('PATCH', `${GENAUTH_ROUTES.credentials}/${encodeURIComponent(credentialId)}`, { name }, renameCredentialRespDtoSchema);
  }

  /**
   * `DELETE /api/v3/webauthn/credentials/{id}`: deletes one of the caller's passkeys; `signals` lists the
   * passkeys that remain.
   *
   * @param credentialId - the passkey's credential ID, base64url
   * @returns the deletion, or the failure envelope (404 / 40402 for an id that is not the caller's)
   * @throws {TesseraError} `malformed_response` when the answer matches neither envelope
   */
  deleteCredential(credentialId: string): Promise<DeleteCredentialRespDto | ErrorRespDto> {
    return this.#call('DELETE', `${GENAUTH_ROUTES.credentials}/${encodeURIComponent(credentialId)}`, undefined, deleteCredentialRespDtoSchema);
  }

  async #call<Schema extends z.ZodType>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, schema: Schema): Promise<z.output<Schema> | ErrorRespDto> {
    const headers = new Headers(typeof this.#headers === 'function' ? await this.#headers() : this.#headers);
    headers.set('accept', 'application/json');
    if (body !== undefined) headers.set('content-type', 'application/json');
    const response = await this.#fetch(this.#baseUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      throw new TesseraError('malformed_response', `Malformed response: ${method} ${path} did not answer with JSON (HTTP ${response.status}).`, { cause: error });
    }
    const success = schema.safeParse(json);
    if (success.success) return success.data;
    const failure = errorRespDtoSchema.safeParse(json);
    if (failure.success) return failure.data;
    throw new TesseraError('malformed_response', `Malformed response: ${method} ${path} answered neither its success envelope nor the failure envelope (HTTP ${response.status}).`, {
      cause: success.error,
    });
  }
}
