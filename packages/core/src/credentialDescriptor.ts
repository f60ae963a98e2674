import { z } from 'zod';
import { base64urlBytesSchema } from './_base64urlSchema.ts';
import {
  appendTransports,
  authenticatorTransportSchema,
  normalizeTransports,
  type AuthenticatorTransport,
  type TransportPolicy,
} from './transports.ts';

/** Longest credential ID in bytes: WebAuthn L3 §4 ("Credential ID": at most 1023 bytes). */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

/**
 * Schema of a credential ID as it travels in JSON (WebAuthn L3 §4, §5.8.3): canonical unpadded base64url
 * decoding to 1–1023 bytes.
 */
export const credentialIdSchema: z.ZodString = base64urlBytesSchema('credential id', 1, MAX_CREDENTIAL_ID_BYTES);

/** The only credential type WebAuthn L3 defines (§5.8.2 `PublicKeyCredentialType`). */
export const publicKeyCredentialTypeSchema: z.ZodLiteral<'public-key'> = z.literal('public-key');

/**
 * Schema of a credential descriptor as callers give it (WebAuthn L3 §5.8.3 `PublicKeyCredentialDescriptor`):
 * `type` defaults to `public-key`; `transports` are any strings, normalised by {@link normalizeCredentialDescriptors}.
 */
export const credentialDescriptorInputSchema: z.ZodObject<
  {
    id: typeof credentialIdSchema;
    type: z.ZodOptional<typeof publicKeyCredentialTypeSchema>;
    transports: z.ZodOptional<z.ZodArray<z.ZodString>>;
  },
  z.core.$strict
> = z.strictObject({
  id: credentialIdSchema,
  type: publicKeyCredentialTypeSchema.optional(),
  transports: z.array(z.string()).optional(),
});

/** A credential descriptor as callers give it; see {@link credentialDescriptorInputSchema}. */
export type CredentialDescriptorInput = z.input<typeof credentialDescriptorInputSchema>;

/**
 * Schema of `PublicKeyCredentialDescriptorJSON` (WebAuthn L3 §5.1.9 JSON form of §5.8.3): what this library
 * emits, with a canonical id, `type: 'public-key'` and only §5.8.4 transports.
 */
export const publicKeyCredentialDescriptorJSONSchema: z.ZodObject<
  {
    id: typeof credentialIdSchema;
    type: typeof publicKeyCredentialTypeSchema;
    transports: z.ZodOptional<z.ZodArray<typeof authenticatorTransportSchema>>;
  },
  z.core.$strict
> = z.strictObject({
  id: credentialIdSchema,
  type: publicKeyCredentialTypeSchema,
  transports: z.array(authenticatorTransportSchema).optional(),
});

/** `PublicKeyCredentialDescriptorJSON`; see {@link publicKeyCredentialDescriptorJSONSchema}. */
export type PublicKeyCredentialDescriptorJSON = z.output<typeof publicKeyCredentialDescriptorJSONSchema>;

/**
 * Turns validated descriptors into the JSON form: descriptors with the same id collapse into one at the
 * position of the first, transports are normalised by {@link normalizeTransports} and merged in order.
 * A descriptor with no known transports means "any transport" (WebAuthn L3 §5.8.3), so if any copy of an
 * id says that, the merged descriptor says it too, by omitting `transports`.
 *
 * @param descriptors - descriptors whose ids are already canonical (parsed by {@link credentialDescriptorInputSchema})
 * @param policy - what to do with unknown transports
 * @returns one descriptor per distinct id
 * @throws {TesseraError} `unknown_transport` under the `'strict'` policy
 * @internal
 */
export function normalizeCredentialDescriptors(
  descriptors: readonly z.output<typeof credentialDescriptorInputSchema>[],
  policy: TransportPolicy,
): PublicKeyCredentialDescriptorJSON[] {
  /** Transports per id, or `undefined` once some copy of the id allowed any transport. */
  const transportsById = new Map<string, AuthenticatorTransport[] | undefined>();
  for (const { id, transports } of descriptors) {
    const known = transportsById.has(id) ? transportsById.get(id) : [];
    const normalised = transports === undefined ? [] : normalizeTransports(transports, policy);
    const anyTransport = known === undefined || normalised.length === 0;
    transportsById.set(id, anyTransport ? undefined : appendTransports(known, normalised, policy));
  }
  const result: PublicKeyCredentialDescriptorJSON[] = [];
  for (const [id, transports] of transportsById) {
    result.push(transports === undefined ? { id, type: 'public-key' } : { id, type: 'public-key', transports });
  }
  return result;
}
