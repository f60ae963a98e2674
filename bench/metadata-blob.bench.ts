/*
 * Verifying and indexing a FIDO Metadata Service BLOB of MDS3's real size with @tessera/metadata's
 * verifyMetadataBlob: a generated BLOB of 250 entries (about 5 MB, as mds3.fidoalliance.org served in 2026), each
 * with a realistic metadata statement — a PNG-sized icon of about 11 KB as a data: URL, one or two attestation root
 * certificates of its own, authenticatorGetInfo, user verification details — and a status history, signed (RS256,
 * RSA 2048, as MDS3 signs) by a signer under root → intermediate of a PKI generated here. Timed: the whole of
 * verifyMetadataBlob (JWS parse, chain validation, signature over ~5 MB, JSON and schema, indexes), median of 7 runs
 * after one warm-up, and separately the parse + schema part alone for reference.
 *
 * Target: under 1 s per verification (a relying party does it once per nextUpdate, typically monthly). The exit code
 * is 0 either way; non-zero only when the bench itself is broken (the BLOB does not verify or index).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { base64url } from '@tessera/core';
import { createTestCertificateAuthority, issueTestCertificate } from '@tessera/core/testing';
import { metadataBlobPayloadSchema, parseCompactJws, verifyMetadataBlob } from '@tessera/metadata';
import { printAligned, printHeader } from './_report.ts';

const ENTRIES = 250;
const RUNS = 7;
const TARGET_MS = 1000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function buildBlob(): Promise<{ blob: string; root: Uint8Array; aaguids: string[] }> {
  const root = await createTestCertificateAuthority({ algorithm: 'RS256', subject: { CN: 'Bench MDS Root' } });
  const intermediate = await issueTestCertificate({ issuer: root, isCA: true, algorithm: 'RS256', subject: { CN: 'Bench MDS CA' } });
  const signer = await issueTestCertificate({ issuer: intermediate, algorithm: 'RS256', subject: { O: 'Bench', CN: 'mds.bench.example' } });
  const vendorRoots = await Promise.all(Array.from({ length: 40 }, (_, index) => createTestCertificateAuthority({ subject: { O: `Vendor ${index}`, CN: `Vendor ${index} Attestation Root` } })));
  const aaguids: string[] = [];
  const entries = Array.from({ length: ENTRIES }, (_, index) => {
    const aaguid = randomUUID();
    aaguids.push(aaguid);
    const roots = [vendorRoots[index % vendorRoots.length], ...(index % 3 === 0 ? [vendorRoots[(index + 7) % vendorRoots.length]] : [])];
    return {
      aaguid,
      metadataStatement: {
        legalHeader: 'Submission of this statement and retrieval and use of this statement indicates acceptance of the appropriate agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/.',
        aaguid,
        description: `Bench Security Key ${index} NFC`,
        alternativeDescriptions: { 'de-DE': `Bench Sicherheitsschlüssel ${index}`, 'fr-FR': `Clé de sécurité Bench ${index}` },
        authenticatorVersion: 50700,
        protocolFamily: 'fido2',
        schema: 3,
        upv: [{ major: 1, minor: 0 }, { major: 1, minor: 1 }],
        authenticationAlgorithms: ['ed25519_eddsa_sha512_raw', 'secp256r1_ecdsa_sha256_raw'],
        publicKeyAlgAndEncodings: ['cose'],
        attestationTypes: ['basic_full'],
        userVerificationDetails: [[{ userVerificationMethod: 'none' }], [{ userVerificationMethod: 'presence_internal' }], [{ userVerificationMethod: 'passcode_external', caDesc: { base: 64, minLength: 4 } }]],
        keyProtection: ['hardware', 'secure_element'],
        matcherProtection: ['on_chip'],
        cryptoStrength: 128,
        attachmentHint: ['external', 'wired', 'wireless', 'nfc'],
        tcDisplay: [],
        attestationRootCertificates: roots.map((certificate) => b64(certificate!.der)),
        icon: `data:image/png;base64,${b64(randomBytes(8_500))}`,
        authenticatorGetInfo: {
          versions: ['FIDO_2_0', 'FIDO_2_1_PRE', 'FIDO_2_1'],
          extensions: ['credProtect', 'hmac-secret', 'largeBlobKey', 'credBlob', 'minPinLength'],
          aaguid: aaguid.replaceAll('-', ''),
          options: { plat: false, rk: true, clientPin: true, up: true, uv: true, pinUvAuthToken: true, largeBlobs: true, ep: false, bioEnroll: true },
          maxMsgSize: 1200,
          pinUvAuthProtocols: [2, 1],
          maxCredentialCountInList: 8,
          maxCredentialIdLength: 128,
          transports: ['nfc', 'usb'],
          algorithms: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -8 }],
          firmwareVersion: 328966,
        },
      },
      statusReports: [
        { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2023-05-12', certificationDescriptor: `Bench Security Key ${index}`, certificateNumber: `FIDO2010020230512${String(index).padStart(3, '0')}`, certificationPolicyVersion: '1.4.0', certificationRequirementsVersion: '1.5' },
        ...(index % 10 === 0 ? [{ status: 'REVOKED', effectiveDate: '2025-01-20' }] : []),
      ],
      timeOfLastStatusChange: '2023-05-12',
    };
  });
  const payload = { legalHeader: 'Retrieval and use of this BLOB indicates acceptance of the appropriate agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/', no: 97, nextUpdate: '2026-07-01', entries };
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', x5c: [b64(signer.der), b64(intermediate.der)] })}.${encode(payload)}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, signer.keys.privateKey, new TextEncoder().encode(signingInput)));
  return { blob: `${signingInput}.${base64url.encode(signature)}`, root: root.der, aaguids };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

printHeader('@tessera/metadata: verify and index a BLOB of MDS3 size');
const { blob, root, aaguids } = await buildBlob();
const megabytes = blob.length / 1e6;

const verify = () => verifyMetadataBlob({ blob, trustAnchor: root, now: NOW });
const warm = await verify();
assert.equal(warm.entries.length, ENTRIES);
assert.equal(warm.byAaguid.size, ENTRIES);
for (const aaguid of aaguids) assert.ok(warm.byAaguid.get(aaguid)?.metadataStatement);

const full: number[] = [];
const parseOnly: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let start = performance.now();
  await verify();
  full.push(performance.now() - start);
  start = performance.now();
  assert.ok(metadataBlobPayloadSchema.safeParse(parseCompactJws(blob).payload).success);
  parseOnly.push(performance.now() - start);
}

const verifyMs = median(full);
printAligned([
  ['BLOB', `${megabytes.toFixed(2)} MB, ${ENTRIES} entries, RS256 signer under root → intermediate`],
  ['verifyMetadataBlob (verify + index)', `${verifyMs.toFixed(0)} ms median of ${RUNS} (min ${Math.min(...full).toFixed(0)}, max ${Math.max(...full).toFixed(0)})`],
  ['  of which JWS parse + JSON + schema', `${median(parseOnly).toFixed(0)} ms`],
  ['throughput', `${(megabytes / (verifyMs / 1000)).toFixed(1)} MB/s`],
  [`target < ${TARGET_MS} ms`, verifyMs < TARGET_MS ? 'PASS' : 'FAIL'],
]);
