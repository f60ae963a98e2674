/*
 * Measures, in ops/s: buildAuthenticationOptions (3 allowCredentials), @simplewebauthn/server's
 * generateAuthenticationOptions with the same input, and the raw limit (crypto.getRandomValues 32 bytes +
 * base64url; with our encoder, and with Node's Buffer for reference).
 *
 * Target: at least 2.5× SimpleWebAuthn and at least 75 % of the raw limit.
 *
 * The ratios are printed as PASS/FAIL; the exit code is 0 either way, since this is a report. It is non-zero
 * only when the bench itself is broken (a builder throws or returns something unexpected).
 */
import assert from 'node:assert/strict';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import { base64url, buildAuthenticationOptions, type AuthenticatorTransport } from '@tessera/core';
import { measure, printHeader, printRatio, printTable } from './_report.ts';

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Three credentials of 16, 24 and 32 random bytes, as a user with several passkeys would have. */
const allowCredentials: { id: string; transports: AuthenticatorTransport[] }[] = [
  { id: randomId(16), transports: ['usb', 'nfc'] },
  { id: randomId(24), transports: ['internal', 'hybrid'] },
  { id: randomId(32), transports: ['ble'] },
];
const common = { allowCredentials, userVerification: 'preferred', timeout: 60_000 } as const;

const tessera = () => buildAuthenticationOptions({ rpId: 'example.com', ...common });
const simpleWebAuthn = () => generateAuthenticationOptions({ rpID: 'example.com', ...common });
const rawCore = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const rawBuffer = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

function randomId(bytes: number): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Fails loudly if a task does not produce what it should, so the bench can never time a thrown error. */
async function checkOutputs(): Promise<void> {
  for (const options of [tessera(), await simpleWebAuthn()]) {
    assert.match(options.challenge, CHALLENGE);
    assert.equal(options.rpId, 'example.com');
    assert.equal(options.timeout, 60_000);
    assert.equal(options.userVerification, 'preferred');
    assert.deepEqual(
      options.allowCredentials?.map(({ id, type, transports }) => ({ id, type, transports: [...(transports ?? [])].sort() })),
      allowCredentials.map(({ id, transports }) => ({ id, type: 'public-key', transports: [...transports].sort() })),
    );
  }
  assert.match(rawCore(), CHALLENGE);
  assert.match(rawBuffer(), CHALLENGE);
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  assert.equal(base64url.encode(bytes), Buffer.from(bytes).toString('base64url'));
}

printHeader('Authentication options: ops/s (median of 3 interleaved rounds, 1.5 s each after warmup)');
await checkOutputs();

const [tesseraResult, simpleWebAuthnResult, rawResult, bufferResult] = await measure({
  'tessera buildAuthenticationOptions': tessera,
  'simplewebauthn generateAuthenticationOptions': simpleWebAuthn,
  'raw: getRandomValues(32) + base64url.encode': rawCore,
  'raw: getRandomValues(32) + Buffer base64url': rawBuffer,
});
printTable([tesseraResult!, simpleWebAuthnResult!, rawResult!, bufferResult!]);
printRatio('tessera / simplewebauthn', tesseraResult!, simpleWebAuthnResult!, 2.5);
printRatio('tessera / raw (base64url.encode)', tesseraResult!, rawResult!, 0.75);
console.log(`      (tessera / raw with Buffer, for reference: ${(tesseraResult!.hz / bufferResult!.hz).toFixed(2)}×)`);
