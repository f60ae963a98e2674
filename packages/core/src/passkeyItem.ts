import { z } from 'zod';
import { decodeCbor } from './_cbor.ts';
import { parseOrThrow } from './_zod.ts';
import { credentialIdSchema } from './credentialDescriptor.ts';
import { COSE_ALGORITHM_NAMES, MAX_COSE_KEY_BYTES, type CoseAlgorithm } from './cose.ts';
import type { CredentialRecord } from './credentialStore.ts';
import { authenticatorTransportSchema } from './transports.ts';

/** The AAGUID of an authenticator that did not say what it is (§6.5.1: all zeros). */
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/**
 * What the application knows about an authenticator model, by AAGUID (WebAuthn L3 §6.5.1), for example from
 * the FIDO Metadata Service: a name people recognise ("iCloud Keychain") and an icon, as a `data:image/…`
 * or `https:` URL.
 */
export interface AuthenticatorDescription {
  name: string;
  icon?: string | undefined;
}

/**
 * Looks up an authenticator model by AAGUID, lower-case 8-4-4-4-12 (as `CredentialRecord.aaguid` holds it);
 * `undefined` when unknown. Never called with the all-zero AAGUID.
 */
export type DescribeAuthenticator = (
  aaguid: string,
) => AuthenticatorDescription | undefined | Promise<AuthenticatorDescription | undefined>;

/** Schema of what a {@link DescribeAuthenticator} hook may return: a name of 1–256 characters, an optional image URL. */
export const authenticatorDescriptionSchema: z.ZodOptional<
  z.ZodObject<{ name: z.ZodString; icon: z.ZodOptional<z.ZodString> }, z.core.$strip>
> = z
  .object({
    name: z.string().trim().min(1).max(256),
    icon: z
      .string()
      .max(1_000_000)
      .refine((icon) => icon.startsWith('data:image/') || icon.startsWith('https://'), 'icon must be a data:image/ or https: URL')
      .optional(),
  })
  .optional();

/**
 * Schema of one passkey as a management page shows it:
 *
 * - `id`: the credential ID, base64url;
 * - `name`: the user's own label, else the authenticator's name, else `null`;
 * - `authenticatorName`, `icon`: what `describeAuthenticator` knows of the AAGUID (`null` / absent if nothing);
 * - `createdAt`, `lastUsedAt`: epoch milliseconds, `lastUsedAt` `null` until the first sign-in;
 * - `synced`: the backup state (BS flag, WebAuthn L3 §6.3.3) as last reported: the passkey is backed up, for
 *   example synced across the user's devices;
 * - `transports`: as reported at registration (§5.8.4);
 * - `algorithm`: the COSE algorithm name of its public key (`'ES256'`, `'EdDSA'`, …), `null` if not one this
 *   library names.
 */
export const passkeyItemSchema: z.ZodObject<
  {
    id: typeof credentialIdSchema;
    name: z.ZodNullable<z.ZodString>;
    authenticatorName: z.ZodNullable<z.ZodString>;
    icon: z.ZodOptional<z.ZodString>;
    createdAt: z.ZodNumber;
    lastUsedAt: z.ZodNullable<z.ZodNumber>;
    synced: z.ZodBoolean;
    transports: z.ZodArray<typeof authenticatorTransportSchema>;
    algorithm: z.ZodNullable<z.ZodString>;
  },
  z.core.$strict
> = z.strictObject({
  id: credentialIdSchema,
  name: z.string().nullable(),
  authenticatorName: z.string().nullable(),
  icon: z.string().optional(),
  createdAt: z.number().int().nonnegative(),
  lastUsedAt: z.number().int().nonnegative().nullable(),
  synced: z.boolean(),
  transports: z.array(authenticatorTransportSchema),
  algorithm: z.string().nullable(),
});

/** One passkey as a management page shows it; see {@link passkeyItemSchema}. */
export type PasskeyItem = z.output<typeof passkeyItemSchema>;

/**
 * The COSE algorithm name of a stored public key (its `alg`, label 3, RFC 9052 §7.1), or `null` when the key
 * cannot be read or its algorithm is not one of `COSE_ALGORITHMS`. For display only: nothing is verified.
 *
 * @param publicKey - COSE_Key bytes, as `CredentialRecord.publicKey`
 * @returns `'ES256'`, `'EdDSA'`, … or `null`
 */
export function coseAlgorithmNameOf(publicKey: Uint8Array): string | null {
  try {
    const key = decodeCbor(publicKey, { code: 'malformed_public_key', subject: 'COSE public key' }, MAX_COSE_KEY_BYTES);
    const alg = key instanceof Map ? key.get(3) : undefined;
    if (typeof alg !== 'number') return null;
    return Object.hasOwn(COSE_ALGORITHM_NAMES, alg) ? COSE_ALGORITHM_NAMES[alg as CoseAlgorithm] : null;
  } catch {
    return null;
  }
}

/**
 * One credential record as a passkey item (see {@link passkeyItemSchema}).
 *
 * @param record - the stored record
 * @param description - what the application knows of its AAGUID, if anything
 * @returns a fresh item
 * @throws {TesseraError} `invalid_config` if `description` is not `{ name, icon? }` as {@link authenticatorDescriptionSchema} says
 */
export function passkeyItemOf(record: CredentialRecord, description: AuthenticatorDescription | undefined): PasskeyItem {
  const described = parseOrThrow(authenticatorDescriptionSchema, description, 'invalid_config', 'describeAuthenticator result');
  const item: PasskeyItem = {
    id: record.id,
    name: record.name ?? described?.name ?? null,
    authenticatorName: described?.name ?? null,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    synced: record.backupState,
    transports: [...record.transports],
    algorithm: coseAlgorithmNameOf(record.publicKey),
  };
  if (described?.icon !== undefined) item.icon = described.icon;
  return item;
}
