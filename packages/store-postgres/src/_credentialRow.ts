import { TesseraError, authenticatorTransportSchema, credentialIdSchema, credentialRecordSchema, type CredentialRecord, type StoredCredentialDescriptor } from '@tessera/core';
import { z } from 'zod';

/**
 * Decoding rows of `tessera_credentials` back into records. Drivers differ in what they return: `pg` gives
 * `bytea` as a Node `Buffer` and `bigint` as a string, PGlite gives a `Uint8Array` and a number. Both become
 * the record's types here, and the result is validated: a row this package did not write (edited by hand,
 * another application's data, a broken column) is `corrupt_store_record`, never used.
 *
 * @internal
 */

/** `bytea` as a fresh plain `Uint8Array` (not a `Buffer`, not a view of the driver's memory); anything else as is, for the schema to refuse. */
function bytes(value: unknown): unknown {
  return value instanceof Uint8Array ? new Uint8Array(value) : value;
}

/** `bigint` as a number when it is a safe integer; anything else as is, for the schema to refuse. */
function integer(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) return Number(value);
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(value);
  return value;
}

function corrupt(what: string, cause?: unknown): TesseraError {
  return new TesseraError('corrupt_store_record', `A stored ${what} is not one this library wrote.`, cause === undefined ? undefined : { cause });
}

function rowObject(row: unknown): Record<string, unknown> {
  if (typeof row !== 'object' || row === null) throw corrupt('credential row');
  return row as Record<string, unknown>;
}

/**
 * @param row - one row selected with the store's column list
 * @returns the credential record it holds
 * @throws {TesseraError} `corrupt_store_record`
 */
export function decodeCredentialRow(row: unknown): CredentialRecord {
  const r = rowObject(row);
  const record: Record<string, unknown> = {
    id: r['id'],
    userId: r['user_id'],
    publicKey: bytes(r['public_key']),
    signCount: integer(r['sign_count']),
    transports: r['transports'],
    backupEligible: r['backup_eligible'],
    backupState: r['backup_state'],
    uvInitialized: r['uv_initialized'],
    aaguid: r['aaguid'],
    fmt: r['fmt'],
    createdAt: integer(r['created_at_ms']),
    lastUsedAt: integer(r['last_used_at_ms']),
  };
  if (r['attestation_object'] !== null) record['attestationObject'] = bytes(r['attestation_object']);
  if (r['attestation_client_data_json'] !== null) record['attestationClientDataJSON'] = bytes(r['attestation_client_data_json']);
  if (r['name'] !== null) record['name'] = r['name'];
  const parsed = credentialRecordSchema.safeParse(record);
  if (!parsed.success) throw corrupt('credential record', parsed.error);
  return parsed.data;
}

const descriptorSchema = z.strictObject({ id: credentialIdSchema, transports: z.array(authenticatorTransportSchema) });

/**
 * @param row - one row of `id, transports`
 * @returns the descriptor it holds
 * @throws {TesseraError} `corrupt_store_record`
 */
export function decodeDescriptorRow(row: unknown): StoredCredentialDescriptor {
  const r = rowObject(row);
  const parsed = descriptorSchema.safeParse({ id: r['id'], transports: r['transports'] });
  if (!parsed.success) throw corrupt('credential descriptor', parsed.error);
  return parsed.data;
}
