/*
 * Measures, in ops/s, verifying an authentication assertion (WebAuthn L3 §7.2) made with an ML-DSA-44 credential
 * (RFC 9964), next to the same with an ES256 credential, in one run:
 *   - verifyAuthenticationResponse of @tessera/core (its default public key cache, as a server would use it),
 *   - the raw signature check alone over the same signed data: crypto.subtle.verify with an imported key for
 *     ES256; for ML-DSA-44 the path tessera takes in this runtime (WebCrypto where it has ML-DSA, as Node 24,
 *     Bun and Deno do; else @noble/post-quantum's verify).
 * Assertions come from the SoftwareAuthenticator of @tessera/core/testing.
 *
 * No target: this is a report of what a post-quantum credential costs at sign-in. Where WebCrypto lacks ML-DSA,
 * the library verifies on the JS thread, so calls in flight do not overlap (C = 32 is about C = 1), unlike
 * WebCrypto's thread-pool jobs. The exit code is non-zero only when the bench itself is broken.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseCoseKey, verifyAuthenticationResponse, type AkpCoseKey, type VerifyAuthenticationResponseInput } from '@tessera/core';
import { SoftwareAuthenticator, type SoftwareAlgorithm } from '@tessera/core/testing';
import { importMlDsaKey, verifyMlDsaWithNoble } from '../packages/core/src/_mlDsa.ts';
import { printHeader, printReferenceRatio } from './_report.ts';
import { measureThroughput, pairedRatio, printThroughputTable, type AsyncTask } from './_throughput.ts';

const CONCURRENCY = 32;
const ROUNDS = 5;
const BATCH_MS = 100;
const ORIGIN = 'https://example.com';
const challenge = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

/** A credential of `algorithm`, one assertion of it, the verifier's input and the exact bytes it signed. */
async function assertionOf(algorithm: SoftwareAlgorithm) {
  const authenticator = new SoftwareAuthenticator({ algorithm });
  await authenticator.createCredential({ rpId: 'example.com', challenge, origin: ORIGIN, userHandle: 'dXNlcg' });
  const credential = authenticator.credentials[0] ?? assert.fail('no credential');
  const response = await authenticator.getAssertion({ rpId: 'example.com', challenge, origin: ORIGIN });
  const input: VerifyAuthenticationResponseInput = {
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRpId: 'example.com',
    credential: { id: credential.id, publicKey: credential.publicKey, signCount: 0 },
  };
  const authenticatorData = Buffer.from(response.response.authenticatorData, 'base64url');
  const clientDataHash = createHash('sha256').update(Buffer.from(response.response.clientDataJSON, 'base64url')).digest();
  const signedData = new Uint8Array(Buffer.concat([authenticatorData, clientDataHash]));
  const signature = new Uint8Array(Buffer.from(response.response.signature, 'base64url'));
  return { input, publicKey: credential.publicKey, signedData, signature };
}

/** ES256's DER signature as r || s (setup only, not timed): two short-form INTEGERs in a SEQUENCE. */
function derToP1363(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(64);
  let pos = 2;
  for (let part = 0; part < 2; part++) {
    const length = der[pos + 1]!;
    let integer = der.subarray(pos + 2, pos + 2 + length);
    while (integer.length > 32 && integer[0] === 0) integer = integer.subarray(1);
    out.set(integer, (part + 1) * 32 - integer.length);
    pos += 2 + length;
  }
  return out;
}

const es256 = await assertionOf('ES256');
const mlDsa = await assertionOf('ML-DSA-44');
const es256Key = parseCoseKey(es256.publicKey);
assert.ok(es256Key.kty === 'EC2');
const es256RawKey = await crypto.subtle.importKey('raw', new Uint8Array([4, ...es256Key.x, ...es256Key.y]), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
const es256RawSignature = derToP1363(es256.signature);
const mlDsaKey = parseCoseKey(mlDsa.publicKey) as AkpCoseKey;
const mlDsaWebKey = await importMlDsaKey(mlDsaKey).catch(() => undefined);
const mlDsaPath = mlDsaWebKey === undefined ? '@noble/post-quantum verify' : 'crypto.subtle.verify (imported key)';

const tasks: Record<string, AsyncTask> = {
  'ES256 tessera verifyAuthenticationResponse': async () => {
    const result = await verifyAuthenticationResponse(es256.input);
    if (!result.verified) throw new Error('ES256 did not verify.');
    return result;
  },
  'ES256 raw: crypto.subtle.verify (imported key)': async () => {
    const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, es256RawKey, es256RawSignature, es256.signedData);
    if (!valid) throw new Error('ES256 raw verify returned false.');
    return valid;
  },
  'ML-DSA-44 tessera verifyAuthenticationResponse': async () => {
    const result = await verifyAuthenticationResponse(mlDsa.input);
    if (!result.verified) throw new Error('ML-DSA-44 did not verify.');
    return result;
  },
  [`ML-DSA-44 raw: ${mlDsaPath}`]: async () => {
    const valid =
      mlDsaWebKey === undefined
        ? verifyMlDsaWithNoble(mlDsaKey, mlDsa.signature, mlDsa.signedData)
        : await crypto.subtle.verify({ name: 'ML-DSA-44' }, mlDsaWebKey, mlDsa.signature as Uint8Array<ArrayBuffer>, mlDsa.signedData);
    if (!valid) throw new Error('ML-DSA-44 raw verify returned false.');
    return valid;
  },
};
for (const [name, task] of Object.entries(tasks)) {
  await task().catch((error: unknown) => {
    throw new Error(`"${name}" does not verify; nothing was timed.`, { cause: error });
  });
}

printHeader(
  `Verify authentication assertion, ML-DSA-44 next to ES256: ops/s with ${CONCURRENCY} calls in flight and one at a time ` +
    `(median of ${ROUNDS} interleaved rounds of ~${BATCH_MS} ms batches); ML-DSA-44 verified with ${mlDsaPath}`,
);
const measurements = await measureThroughput(tasks, { concurrency: [CONCURRENCY, 1], rounds: ROUNDS, batchTime: BATCH_MS });
printThroughputTable(measurements);
const [tesseraEs256, rawEs256, tesseraMlDsa, rawMlDsa] = measurements.map((m) => m.rates);
for (const [index, label] of [[0, `C=${CONCURRENCY}`], [1, 'C=1']] as const) {
  printReferenceRatio(`ML-DSA-44 / ES256, tessera, ${label}`, pairedRatio(tesseraMlDsa![index]!, tesseraEs256![index]!));
  printReferenceRatio(`ML-DSA-44 tessera / raw, ${label}`, pairedRatio(tesseraMlDsa![index]!, rawMlDsa![index]!));
  printReferenceRatio(`ES256 tessera / raw, ${label}`, pairedRatio(tesseraEs256![index]!, rawEs256![index]!));
}
