import { KeyDescription, NonStandardKeyDescription, type AuthorizationList } from '@peculiar/asn1-android';
import { AsnParser } from '@peculiar/asn1-schema';
import { invalid } from './_statement.ts';

/*
 * The Android Key Attestation extension (WebAuthn L3 §8.4; Android "Key and ID attestation", schema
 * KeyDescription), read with @peculiar/asn1-android. Its KeyDescription schema covers every version Android has
 * shipped (Keymaster 1–4.1, KeyMint 100–400: the SEQUENCE is the same, KeyMint renames teeEnforced to
 * hardwareEnforced). Some devices encode the AuthorizationList tags out of order, which the strict schema
 * refuses; those are read with the package's NonStandardKeyDescription (each AuthorizationList a SEQUENCE OF
 * single-field choices), and every occurrence of a field counts, so a repeated field cannot hide a bad value.
 */

/** id-ce-keyDescription, the OID of the Android Key Attestation extension. */
export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

/** What §8.4 reads from one authorization list; a field that appears more than once lists every value. */
export interface AuthorizationFacts {
  /** Whether `allApplications` ([600]) is present. */
  allApplications: boolean;
  /** Every `origin` ([702]) value. */
  origins: number[];
  /** Every `purpose` ([1]) set. */
  purposes: number[][];
}

/** The fields of a KeyDescription that §8.4 checks. */
export interface KeyDescriptionFacts {
  /** `attestationChallenge`. */
  challenge: Uint8Array;
  /** `softwareEnforced`. */
  software: AuthorizationFacts;
  /** `teeEnforced` (KeyMint's `hardwareEnforced`). */
  hardware: AuthorizationFacts;
}

function facts(lists: readonly AuthorizationList[]): AuthorizationFacts {
  const result: AuthorizationFacts = { allApplications: false, origins: [], purposes: [] };
  for (const list of lists) {
    if (list.allApplications !== undefined) result.allApplications = true;
    if (list.origin !== undefined) result.origins.push(Number(list.origin));
    if (list.purpose !== undefined) result.purposes.push(Array.from(list.purpose, Number));
  }
  return result;
}

function parseStrict(value: Uint8Array): KeyDescriptionFacts | undefined {
  try {
    const parsed = AsnParser.parse(value, KeyDescription);
    return {
      challenge: new Uint8Array(parsed.attestationChallenge.buffer),
      software: facts([parsed.softwareEnforced]),
      hardware: facts([parsed.teeEnforced]),
    };
  } catch {
    return undefined;
  }
}

/**
 * Reads the KeyDescription of an Android Key Attestation extension.
 *
 * @param value - the extension's `extnValue` contents (DER)
 * @returns the challenge and the two authorization lists' relevant fields
 * @throws {TesseraError} `invalid_attestation` if the value is not a KeyDescription
 * @internal
 */
export function readKeyDescription(value: Uint8Array): KeyDescriptionFacts {
  const strict = parseStrict(value);
  if (strict !== undefined) return strict;
  try {
    const parsed = AsnParser.parse(value, NonStandardKeyDescription);
    return {
      challenge: new Uint8Array(parsed.attestationChallenge.buffer),
      software: facts(Array.from(parsed.softwareEnforced)),
      hardware: facts(Array.from(parsed.teeEnforced)),
    };
  } catch (error) {
    return invalid('the Android key attestation extension is not a KeyDescription', error);
  }
}
