import { TesseraError, isTesseraError, type TrustDecision } from '@tessera/core';
import { readBlobSource, type MetadataSource } from './_blobSource.ts';
import type { DerOrPem } from './_derInputs.ts';
import { decideAttestationTrust, type AttestationTrustPolicy, type MetadataAttestation } from './attestationTrustPolicy.ts';
import { describeFromSources, lowerCaseNames, type AuthenticatorDescription, type AuthenticatorNameEntry, type AuthenticatorNames } from './authenticatorNames.ts';
import { DEFAULT_MAX_BLOB_BYTES } from './compactJws.ts';
import type { MetadataEntry } from './metadataBlobPayload.ts';
import { verifyMetadataBlob, type VerifiedMetadataBlob } from './verifyMetadataBlob.ts';

/** Default wait after a load attempt before the next one, in ms: 10 minutes. */
export const DEFAULT_RETRY_AFTER_MS: number = 10 * 60 * 1000;

/** Options of a {@link MetadataService}. */
export interface MetadataServiceOptions extends AttestationTrustPolicy {
  /** Where the BLOB comes from; see {@link MetadataSource}. */
  source: MetadataSource;
  /** The BLOB's trust anchor(s), DER or PEM; default the FIDO Alliance's MDS3 root (see `verifyMetadataBlob`). */
  trustAnchor?: DerOrPem | readonly DerOrPem[] | undefined;
  /** CRLs for the BLOB's signer chain, DER or PEM. */
  crls?: readonly DerOrPem[] | undefined;
  /** The DNS name the BLOB signer's certificate must be for; see `verifyMetadataBlob`. */
  signerName?: string | null | undefined;
  /** Largest BLOB accepted, in bytes; default 24 MiB. */
  maxBytes?: number | undefined;
  /** The serial number of the last BLOB you trusted (kept across restarts): a loaded BLOB's `no` must be greater. */
  previousNumber?: number | undefined;
  /** The clock, epoch ms; default `Date.now`. Refreshes and chain validation use it. */
  now?: (() => number) | undefined;
  /** Wait after any load attempt, successful or not, before another may start; default 10 minutes, at least 1 s. */
  retryAfterMs?: number | undefined;
  /** AAGUID → name (and icon) of your own; takes precedence over the metadata in {@link MetadataService.describeAuthenticator}. */
  names?: AuthenticatorNames | undefined;
  /** Called with each failed refresh's error while an older BLOB stays in use (for your logs). */
  onRefreshError?: ((error: TesseraError) => void) | undefined;
}

/**
 * The FIDO Metadata Service for a relying party (FIDO MDS3 §3.2): loads and verifies the BLOB from a snapshot, a
 * reader or a URL; refreshes it lazily once its `nextUpdate` has passed (on use, at most once per `retryAfterMs`,
 * never in a background loop); keeps the last good BLOB when a refresh fails or brings a BLOB whose `no` is not
 * greater; and decides attestation trust for `createRelyingParty({ trustAttestation })`.
 *
 * @example
 * ```ts
 * // Fragment: `relyingPartyConfig` stands for your other createRelyingParty settings.
 * const metadata = new MetadataService({ source: { url: 'https://mds3.fidoalliance.org/' } });
 * await metadata.load();
 * const rp = createRelyingParty({ ...relyingPartyConfig, trustAttestation: metadata.trustAttestation });
 * ```
 */
export class MetadataService {
  readonly #options: MetadataServiceOptions;
  readonly #names: Map<string, AuthenticatorNameEntry>;
  readonly #now: () => number;
  readonly #retryAfterMs: number;
  #current: VerifiedMetadataBlob | undefined;
  #nextAttemptAt = Number.NEGATIVE_INFINITY;
  #lastError: TesseraError | undefined;
  #inFlight: Promise<VerifiedMetadataBlob> | undefined;

  /**
   * @param options - see {@link MetadataServiceOptions}
   * @throws {TesseraError} `invalid_argument` for options out of range
   */
  constructor(options: MetadataServiceOptions) {
    if (typeof options !== 'object' || options === null || typeof options.source !== 'object' || options.source === null) {
      throw new TesseraError('invalid_argument', 'MetadataService needs a source: { blob }, { read } or { url }.');
    }
    const retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 1000) {
      throw new TesseraError('invalid_argument', 'retryAfterMs must be at least 1000 ms.');
    }
    if (options.unknownAuthenticators !== undefined && options.unknownAuthenticators !== 'refuse' && options.unknownAuthenticators !== 'accept') {
      throw new TesseraError('invalid_argument', "unknownAuthenticators is 'refuse' or 'accept'.");
    }
    this.#options = options;
    this.#names = lowerCaseNames(options.names);
    this.#now = options.now ?? Date.now;
    this.#retryAfterMs = retryAfterMs;
  }

  /** The BLOB in use, if one was ever loaded. */
  get current(): VerifiedMetadataBlob | undefined {
    return this.#current;
  }

  /**
   * Returns a verified BLOB, loading one if none was ever loaded and refreshing it when its `nextUpdate` has
   * passed (at most once per `retryAfterMs`; concurrent callers share one attempt).
   *
   * @returns the BLOB in use
   * @throws {TesseraError} only when no BLOB was ever loaded: `metadata_unavailable` (the source failed), or the
   *   verification's code (`invalid_metadata`, `invalid_certificate_chain`, `certificate_revoked`, `metadata_replayed`)
   */
  async load(): Promise<VerifiedMetadataBlob> {
    const current = this.#current;
    const now = this.#now();
    if (current !== undefined && now < current.nextUpdateTime) return current;
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (now < this.#nextAttemptAt) {
      if (current !== undefined) return current;
      throw this.#lastError ?? new TesseraError('metadata_unavailable', 'The metadata BLOB is not loaded yet.');
    }
    this.#inFlight = this.#attempt(now).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** One load attempt: read, verify (with rollback protection), keep the result or the last good BLOB. */
  async #attempt(now: number): Promise<VerifiedMetadataBlob> {
    // Whatever happens, the next attempt waits: a BLOB already past its nextUpdate cannot cause a loop.
    this.#nextAttemptAt = now + this.#retryAfterMs;
    const previous = this.#current;
    try {
      const maxBytes = this.#options.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
      const blob = await readBlobSource(this.#options.source, maxBytes);
      const previousNumber = previous?.no ?? this.#options.previousNumber;
      const verified = await verifyMetadataBlob({
        blob,
        now,
        maxBytes,
        ...(this.#options.trustAnchor === undefined ? {} : { trustAnchor: this.#options.trustAnchor }),
        ...(this.#options.crls === undefined ? {} : { crls: this.#options.crls }),
        ...(this.#options.signerName === undefined ? {} : { signerName: this.#options.signerName }),
        ...(previousNumber === undefined ? {} : { previousNumber }),
      });
      this.#current = verified;
      this.#lastError = undefined;
      return verified;
    } catch (caught) {
      const error = isTesseraError(caught) ? caught : new TesseraError('metadata_unavailable', 'The metadata BLOB could not be loaded.', { cause: caught });
      this.#lastError = error;
      if (previous === undefined) throw error;
      this.#options.onRefreshError?.(error);
      return previous;
    }
  }

  /**
   * The BLOB entry for an authenticator model, from the BLOB in use (no load).
   *
   * @param aaguid - the AAGUID, 8-4-4-4-12, any case
   * @returns the entry, or `undefined`
   */
  findEntry(aaguid: string): MetadataEntry | undefined {
    return typeof aaguid === 'string' ? this.#current?.byAaguid.get(aaguid.toLowerCase()) : undefined;
  }

  /**
   * The trust hook for `createRelyingParty({ trustAttestation })` (WebAuthn L3 §7.1 steps 22–23), bound to this
   * service: loads or refreshes the BLOB as {@link MetadataService.load} does, then decides with the service's
   * policy (see `decideAttestationTrust`): the model must be in the metadata (unless `unknownAuthenticators:
   * 'accept'`), pass the allow and deny lists, not be in a refused latest status, and its trust path must lead to
   * the model's `attestationRootCertificates`.
   *
   * @param attestation - the verified attestation (the core's `AttestationResult`)
   * @returns `true` when trusted, `'untrusted'` for an unlisted model under `unknownAuthenticators: 'accept'`,
   *   `false` when there is nothing to trust; refusals with a reason of their own throw
   * @throws {TesseraError} `authenticator_not_allowed`, `authenticator_revoked`, `invalid_certificate_chain`,
   *   `certificate_revoked`, or a load error when no BLOB was ever loaded
   */
  readonly trustAttestation = async (attestation: MetadataAttestation): Promise<TrustDecision> => {
    const blob = await this.load();
    return decideAttestationTrust(blob, attestation, this.#options, this.#now());
  };

  /**
   * A name (and icon) to show for an authenticator model: your `names` first, then the loaded metadata's
   * `description` and `icon` (Metadata Statement §4). Reads what is loaded; it never fetches.
   *
   * @param aaguid - the credential's AAGUID, 8-4-4-4-12, any case
   * @returns the description, or `undefined` when the model is unknown (show a generic "Passkey")
   */
  describeAuthenticator(aaguid: string): AuthenticatorDescription | undefined {
    return describeFromSources(aaguid, this.#names, this.#current);
  }
}
