/**
 * Paths of GenAuth's V3 WebAuthn API, relative to the handler's `basePath` or the client's `baseUrl`. Each
 * answers `GET` (start a ceremony: options and a ticket) and `POST` (finish it: the ticket and the browser's
 * credential).
 *
 * - `authentication`: sign-in, WebAuthn L3 §5.5 and §7.2 (GenAuth `initAuthenticationOptions`,
 *   `verifyAuthentication`)
 * - `registration`: enrolment, WebAuthn L3 §5.4 and §7.1
 * - `credentials`: the signed-in caller's passkeys: `GET` lists them; `PATCH {credentials}/{id}` with
 *   `{ name }` renames one, `DELETE {credentials}/{id}` deletes one (owner-checked; anyone else's id is 404)
 */
export const GENAUTH_ROUTES: Readonly<{
  authentication: '/api/v3/webauthn/authentication';
  registration: '/api/v3/webauthn/registration';
  credentials: '/api/v3/webauthn/credentials';
}> = Object.freeze({
  authentication: '/api/v3/webauthn/authentication',
  registration: '/api/v3/webauthn/registration',
  credentials: '/api/v3/webauthn/credentials',
});
