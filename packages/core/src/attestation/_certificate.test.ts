import { KeyObject, X509Certificate, constants, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ECDSA_SHA256, bits, boolean, concat, extension, integer, name, octets, oid, printable, seq, time, tlv, utf8 } from '../../test/derEncoder.ts';
import { readRegistrationVectors } from '../../test/vectors.ts';
import {
  KEY_OIDS,
  MAX_CERTIFICATE_BYTES,
  MAX_CERTIFICATE_CHAIN_LENGTH,
  NAME_ATTRIBUTES,
  basicConstraintsCA,
  importCertificateKey,
  nameValues,
  parseCertificate,
  parseCertificateChain,
  verifyWithCertificate,
  type Certificate,
} from './_certificate.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import { thrownCode } from '../../test/mutations.ts';
import { isTesseraError, type TesseraErrorCode } from '../errors.ts';

const subtle = globalThis.crypto.subtle;

interface CertOptions {
  version?: Uint8Array[];
  innerAlgorithm?: Uint8Array;
  subject?: Uint8Array;
  spki?: Uint8Array;
  tail?: Uint8Array[];
  extensions?: Uint8Array[];
}

let defaultSpki: Uint8Array;

/** A certificate with a dummy signature: parsing never checks it. */
function buildCertificate(options: CertOptions = {}): Uint8Array {
  const tbs = seq(
    ...(options.version ?? [tlv(0xa0, integer(2n))]),
    integer(7n),
    options.innerAlgorithm ?? ECDSA_SHA256,
    name([NAME_ATTRIBUTES.CN, utf8('Test CA')]),
    seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
    options.subject ?? name([NAME_ATTRIBUTES.C, printable('SE')], [NAME_ATTRIBUTES.CN, utf8('Leaf')]),
    options.spki ?? defaultSpki,
    ...(options.tail ?? []),
    ...(options.extensions === undefined ? [] : [tlv(0xa3, seq(...options.extensions))]),
  );
  return seq(tbs, ECDSA_SHA256, bits(new Uint8Array(70).fill(1)));
}

// ---- Captured certificates ----
const vectors = readRegistrationVectors();
const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });
const chains: { name: string; chain: Uint8Array[] }[] = vectors
  .map((vector) => {
    const attestationObject = cbor.decode(Buffer.from(vector.response.response.attestationObject, 'base64url')) as Map<string, unknown>;
    const x5c = (attestationObject.get('attStmt') as Map<string, unknown>).get('x5c') as Uint8Array[] | undefined;
    return { name: vector.name, chain: (x5c ?? []).map((der) => new Uint8Array(der)) };
  })
  .filter(({ chain }) => chain.length > 0);
const unique = new Map<string, { label: string; der: Uint8Array }>();
for (const { name: vectorName, chain } of chains) {
  chain.forEach((der, index) => {
    const id = Buffer.from(der).toString('base64');
    if (!unique.has(id)) unique.set(id, { label: `${vectorName} x5c[${index}]`, der });
  });
}
const certificates = [...unique.values()];

const codeOf = thrownCode;

async function asyncCodeOf(action: () => Promise<unknown>): Promise<TesseraErrorCode | 'none'> {
  try {
    await action();
    return 'none';
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return error.code;
  }
}

/** Node's one-line-per-attribute subject text, as short name → values. */
function nodeName(text: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of (text ?? '').split('\n').filter(Boolean)) {
    const at = line.indexOf('=');
    (out[line.slice(0, at)] ??= []).push(line.slice(at + 1).replace(/\\(.)/g, '$1'));
  }
  return out;
}

const HASH_OF_SIGNATURE_OID: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

beforeAll(async () => {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  defaultSpki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
});

describe('parseCertificate on captured certificates', () => {
  it(`has ${certificates.length} distinct certificates to read`, () => {
    expect(certificates.length).toBeGreaterThanOrEqual(20);
  });

  it.each(certificates)('agrees with node:crypto on $label', ({ der }) => {
    const cert = parseCertificate(der);
    const node = new X509Certificate(der);
    expect(cert.der).toEqual(der);
    expect(cert.version).toBe(3);
    for (const [short, type] of Object.entries(NAME_ATTRIBUTES)) {
      expect(nameValues(cert.subject, type)).toEqual(nodeName(node.subject)[short] ?? []);
      expect(nameValues(cert.issuer, type)).toEqual(nodeName(node.issuer)[short] ?? []);
    }
    expect(cert.notBefore).toBe(Date.parse(node.validFrom));
    expect(cert.notAfter).toBe(Date.parse(node.validTo));
    expect(cert.subjectPublicKeyInfo).toEqual(new Uint8Array(node.publicKey.export({ type: 'spki', format: 'der' })));
    expect(BigInt(`0x${Buffer.from(cert.serialNumber).toString('hex')}`)).toBe(BigInt(`0x${node.serialNumber}`));
    expect(basicConstraintsCA(cert) === true).toBe(node.ca);
    const type = node.publicKey.asymmetricKeyType;
    expect(cert.publicKeyAlgorithm).toBe(type === 'ec' ? KEY_OIDS.ecPublicKey : KEY_OIDS.rsaEncryption);
    if (type === 'ec') {
      const curve = { prime256v1: KEY_OIDS['P-256'], secp384r1: KEY_OIDS['P-384'] }[node.publicKey.asymmetricKeyDetails!.namedCurve!];
      expect(cert.publicKeyCurve).toBe(curve);
    } else {
      expect(cert.publicKeyCurve).toBeUndefined();
    }
  });

  it('extracts the exact TBSCertificate and signature: issuer signatures verify as node:crypto says', () => {
    let checked = 0;
    for (const { chain } of chains) {
      for (let index = 0; index + 1 < chain.length; index++) {
        const cert = parseCertificate(chain[index]!);
        const issuer = new X509Certificate(chain[index + 1]!);
        const hash = HASH_OF_SIGNATURE_OID[cert.signatureAlgorithm];
        if (hash === undefined) continue;
        const ours = nodeVerify(hash, cert.tbs, issuer.publicKey, cert.signature);
        expect(ours).toBe(new X509Certificate(chain[index]!).verify(issuer.publicKey));
        expect(ours).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('reads the Yubico leaf extensions', () => {
    const yubico = certificates.find(({ label }) => label.startsWith('simplewebauthn-packed-x5c-yubico'))!;
    const cert = parseCertificate(yubico.der);
    expect(cert.extensions.get('2.5.29.19')).toEqual({ critical: true, value: Uint8Array.of(0x30, 0x00) });
    expect(cert.extensions.get('1.3.6.1.4.1.45724.1.1.4')?.critical).toBe(false);
    expect(basicConstraintsCA(cert)).toBe(false);
    // Signed by the RSA Yubico U2F root, which x5c leaves out.
    expect(cert.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
  });
});

describe('parseCertificate on hostile input', () => {
  it('yields a Certificate or a TesseraError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (input) => {
        expect(['none', 'invalid_attestation']).toContain(codeOf(() => parseCertificate(input)));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every truncation of a real certificate', () => {
    fc.assert(
      fc.property(fc.constantFrom(...certificates), fc.nat(), ({ der }, cut) => {
        expect(codeOf(() => parseCertificate(der.subarray(0, cut % der.length)))).toBe('invalid_attestation');
      }),
      { numRuns: 1000 },
    );
  });

  it('yields a Certificate or a TesseraError for bit flips of real certificates', () => {
    fc.assert(
      fc.property(fc.constantFrom(...certificates), fc.nat(), fc.integer({ min: 0, max: 7 }), ({ der }, at, bit) => {
        const flipped = new Uint8Array(der);
        flipped[at % der.length]! ^= 1 << bit;
        const code = codeOf(() => {
          const cert = parseCertificate(flipped);
          basicConstraintsCA(cert);
        });
        expect(['none', 'invalid_attestation']).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });

  it('yields a Certificate or a TesseraError for random bytes inside a certificate frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (body) => {
        expect(['none', 'invalid_attestation']).toContain(codeOf(() => parseCertificate(seq(body))));
      }),
      { numRuns: 1000 },
    );
  });

  it(`refuses certificates over ${MAX_CERTIFICATE_BYTES} bytes, however well-formed`, () => {
    const sized = (size: number): Uint8Array => buildCertificate({ extensions: [extension('1.2.3.4', new Uint8Array(size))] });
    expect(codeOf(() => parseCertificate(sized(15_000)))).toBe('none');
    const big = sized(MAX_CERTIFICATE_BYTES);
    expect(big.length).toBeGreaterThan(MAX_CERTIFICATE_BYTES);
    expect(codeOf(() => parseCertificate(big))).toBe('invalid_attestation');
    expect(codeOf(() => parseCertificate(new Uint8Array()))).toBe('invalid_attestation');
    expect(codeOf(() => parseCertificate('MIIB' as unknown as Uint8Array))).toBe('invalid_attestation');
  });
});

describe('parseCertificate structure rules', () => {
  it('reads a built v3 certificate', () => {
    const der = buildCertificate({ extensions: [extension('2.5.29.19', seq(), true), extension('1.2.3.4', Uint8Array.of(5))] });
    const cert = parseCertificate(der);
    expect(new X509Certificate(der).subject).toBe('C=SE\nCN=Leaf');
    expect(cert.version).toBe(3);
    expect(cert.serialNumber).toEqual(Uint8Array.of(7));
    expect(cert.issuer).toEqual([{ type: NAME_ATTRIBUTES.CN, value: 'Test CA' }]);
    expect(cert.notBefore).toBe(Date.parse('2020-01-01T00:00:00Z'));
    expect(cert.notAfter).toBe(Date.parse('2049-12-31T23:59:59Z'));
    expect(cert.subjectPublicKeyInfo).toEqual(defaultSpki);
    expect(cert.publicKeyCurve).toBe(KEY_OIDS['P-256']);
    expect(cert.extensions.get('1.2.3.4')).toEqual({ critical: false, value: Uint8Array.of(5) });
    expect(cert.extensions.get('2.5.29.19')?.critical).toBe(true);
    expect(der[1]).toBe(0x82);
    expect(cert.tbs).toEqual(der.subarray(4, 4 + cert.tbs.length));
    expect(cert.tbs[0]).toBe(0x30);
  });

  it('reads versions 1 and 2', () => {
    expect(parseCertificate(buildCertificate({ version: [] })).version).toBe(1);
    const v2 = parseCertificate(buildCertificate({ version: [tlv(0xa0, integer(1n))], tail: [tlv(0x81, Uint8Array.of(0, 1)), tlv(0x82, Uint8Array.of(0, 2))] }));
    expect(v2.version).toBe(2);
    expect(v2.extensions.size).toBe(0);
  });

  it.each<[string, CertOptions]>([
    ['an explicit version 1 (DER omits the default)', { version: [tlv(0xa0, integer(0n))] }],
    ['version 4', { version: [tlv(0xa0, integer(3n))] }],
    ['extensions in a v2 certificate', { version: [tlv(0xa0, integer(1n))], extensions: [extension('1.2.3', seq())] }],
    ['extensions in a v1 certificate', { version: [], extensions: [extension('1.2.3', seq())] }],
    ['a unique identifier in a v1 certificate', { version: [], tail: [tlv(0x81, Uint8Array.of(0))] }],
    ['an empty extension list', { extensions: [] }],
    ['a duplicate extension', { extensions: [extension('1.2.3', seq()), extension('1.2.3', seq())] }],
    ['an extension without a value', { extensions: [seq(oid('1.2.3'))] }],
    ['an inner signature algorithm that differs', { innerAlgorithm: seq(oid('1.2.840.10045.4.3.3')) }],
    ['an unexpected element after the key', { tail: [integer(1n)] }],
    ['a name value that is not a string', { subject: name([NAME_ATTRIBUTES.CN, integer(1n)]) }],
    ['an empty relative distinguished name', { subject: seq(tlv(0x31)) }],
    // An explicit critical FALSE is tolerated (old vendor certificates): _explicitDefaultFalse.test.ts.
    ['a critical TRUE in BER (01 01 01)', { extensions: [seq(oid('1.2.3.4'), tlv(0x01, Uint8Array.of(1)), octets(Uint8Array.of(5)))] }],
    ['a non-minimal length', { subject: Uint8Array.of(0x30, 0x81, 0x00) }],
    ['a key with unused bits', { spki: seq(seq(oid(KEY_OIDS.ecPublicKey), oid(KEY_OIDS['P-256'])), tlv(0x03, Uint8Array.of(1, 0))) }],
  ])('rejects %s', (_name, options) => {
    expect(codeOf(() => parseCertificate(buildCertificate(options)))).toBe('invalid_attestation');
  });
});

describe('basicConstraintsCA', () => {
  const ca = (value?: Uint8Array): boolean | undefined =>
    basicConstraintsCA(parseCertificate(buildCertificate({ extensions: value === undefined ? [extension('1.2.3', seq())] : [extension('2.5.29.19', value, true)] })));

  it('reports cA, or undefined when the extension is absent', () => {
    expect(ca()).toBeUndefined();
    expect(ca(seq())).toBe(false);
    expect(ca(seq(boolean(true)))).toBe(true);
    expect(ca(seq(boolean(true), integer(0n)))).toBe(true);
    expect(basicConstraintsCA(parseCertificate(buildCertificate({ version: [] })))).toBeUndefined();
  });

  it.each([
    ['a negative path length', seq(boolean(true), integer(-1n))],
    ['three elements', seq(boolean(true), integer(0n), integer(0n))],
    ['an OCTET STRING', seq(octets(Uint8Array.of(1)))],
    ['trailing bytes', concat(seq(), Uint8Array.of(0))],
    // An explicit cA FALSE is tolerated (Chrome's virtual authenticator wrote it): _explicitDefaultFalse.test.ts.
    ['a cA TRUE in BER (01 01 01)', seq(tlv(0x01, Uint8Array.of(1)))],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => ca(value))).toBe('invalid_attestation');
  });
});

describe('parseCertificateChain', () => {
  it(`accepts 1 to ${MAX_CERTIFICATE_CHAIN_LENGTH} certificates, in order`, () => {
    const der = certificates.map((cert) => cert.der).slice(0, MAX_CERTIFICATE_CHAIN_LENGTH);
    expect(parseCertificateChain(der).map((cert) => cert.der)).toEqual(der);
  });

  it.each<[string, unknown]>([
    ['a byte string', certificates[0]!.der],
    ['an empty array', []],
    ['six certificates', Array.from({ length: MAX_CERTIFICATE_CHAIN_LENGTH + 1 }, () => certificates[0]!.der)],
    ['a text element', ['MIIB']],
    ['a malformed element', [Uint8Array.of(0x30, 0x00)]],
  ])('rejects %s', (_name, x5c) => {
    expect(codeOf(() => parseCertificateChain(x5c))).toBe('invalid_attestation');
  });
});

describe('importCertificateKey and verifyWithCertificate', () => {
  const data = new TextEncoder().encode('authenticatorData || clientDataHash');
  const other = new TextEncoder().encode('something else');

  interface KeyCase {
    alg: number;
    cert: Certificate;
    sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
  }
  const cases: Record<string, KeyCase> = {};
  /** The RSA key of the RS* and PS* cases, for signatures with other parameters. */
  let rsaPrivateKey: KeyObject;

  async function certificateFor(publicKey: CryptoKey | KeyObject): Promise<Certificate> {
    const spki =
      publicKey instanceof KeyObject
        ? new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
        : new Uint8Array(await subtle.exportKey('spki', publicKey));
    return parseCertificate(buildCertificate({ spki }));
  }

  beforeAll(async () => {
    for (const [label, alg, namedCurve, hash] of [
      ['ES256', COSE_ALGORITHMS.ES256, 'P-256', 'sha256'],
      ['ES384', COSE_ALGORITHMS.ES384, 'P-384', 'sha384'],
      ['ES512', COSE_ALGORITHMS.ES512, 'P-521', 'sha512'],
    ] as const) {
      const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify']);
      const privateKey = KeyObject.from(pair.privateKey);
      // DER signatures from OpenSSL, independent of the converter under test.
      cases[label] = { alg, cert: await certificateFor(pair.publicKey), sign: (message) => nodeSign(hash, message, { key: privateKey, dsaEncoding: 'der' }) };
    }
    const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const edCert = await certificateFor(ed.publicKey);
    const edSign = async (message: Uint8Array): Promise<Uint8Array> =>
      new Uint8Array(await subtle.sign({ name: 'Ed25519' }, ed.privateKey, message as Uint8Array<ArrayBuffer>));
    cases['EdDSA'] = { alg: COSE_ALGORITHMS.EdDSA, cert: edCert, sign: edSign };
    cases['Ed25519'] = { alg: COSE_ALGORITHMS.Ed25519, cert: edCert, sign: edSign };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsaPrivateKey = rsa.privateKey;
    const rsaCert = await certificateFor(rsa.publicKey);
    for (const [label, alg, hash, saltLength] of [
      ['RS256', COSE_ALGORITHMS.RS256, 'sha256', 0],
      ['RS384', COSE_ALGORITHMS.RS384, 'sha384', 0],
      ['RS512', COSE_ALGORITHMS.RS512, 'sha512', 0],
      ['PS256', COSE_ALGORITHMS.PS256, 'sha256', 32],
      ['PS384', COSE_ALGORITHMS.PS384, 'sha384', 48],
      ['PS512', COSE_ALGORITHMS.PS512, 'sha512', 64],
    ] as const) {
      const padding = saltLength === 0 ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
      cases[label] = { alg, cert: rsaCert, sign: (message) => nodeSign(hash, message, { key: rsa.privateKey, padding, saltLength }) };
    }
  });

  it.each(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])(
    'verifies %s signatures, and only over the signed data',
    async (label) => {
      const { alg, cert, sign } = cases[label]!;
      const key = await importCertificateKey(cert, alg);
      expect(key.usages).toEqual(['verify']);
      const signature = await sign(data);
      expect(await verifyWithCertificate(cert, alg, signature, data)).toBe(true);
      expect(await verifyWithCertificate(cert, alg, signature, other)).toBe(false);
    },
  );

  it('rejects a PS256 signature with a salt other than the hash length (RFC 8230 §2), and a PKCS#1 v1.5 one', async () => {
    const { cert } = cases['PS256']!;
    for (const saltLength of [20, 0, 64]) {
      const signature = new Uint8Array(nodeSign('sha256', data, { key: rsaPrivateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }));
      expect(await verifyWithCertificate(cert, COSE_ALGORITHMS.PS256, signature, data), `salt ${saltLength}`).toBe(false);
    }
    expect(await verifyWithCertificate(cert, COSE_ALGORITHMS.PS256, await cases['RS256']!.sign(data), data)).toBe(false);
  });

  it.each([
    ['ES384 with a P-256 key', 'ES256', COSE_ALGORITHMS.ES384],
    ['ES256 with a P-521 key', 'ES512', COSE_ALGORITHMS.ES256],
    ['RS256 with an EC key', 'ES256', COSE_ALGORITHMS.RS256],
    ['EdDSA with an EC key', 'ES256', COSE_ALGORITHMS.EdDSA],
    ['ES256 with an Ed25519 key', 'EdDSA', COSE_ALGORITHMS.ES256],
    ['ES256 with an RSA key', 'RS256', COSE_ALGORITHMS.ES256],
  ])('refuses %s as invalid_attestation', async (_name, label, alg) => {
    expect(await asyncCodeOf(() => importCertificateKey(cases[label]!.cert, alg))).toBe('invalid_attestation');
  });

  it.each([
    ['RS1', COSE_ALGORITHMS.RS1],
    ['ES256K', -47],
    ['an unknown algorithm', 12345],
  ])('refuses %s as unsupported_algorithm', async (_name, alg) => {
    expect(await asyncCodeOf(() => importCertificateKey(cases['RS256']!.cert, alg))).toBe('unsupported_algorithm');
    expect(await asyncCodeOf(() => verifyWithCertificate(cases['RS256']!.cert, alg, new Uint8Array(256), data))).toBe('unsupported_algorithm');
  });

  it('refuses RSA keys below 2048 bits', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cert = await certificateFor(weak.publicKey);
    expect(await asyncCodeOf(() => importCertificateKey(cert, COSE_ALGORITHMS.RS256))).toBe('invalid_attestation');
  });

  it('refuses an EC point that is not on its curve', async () => {
    const spki = new Uint8Array(cases['ES256']!.cert.subjectPublicKeyInfo);
    spki[spki.length - 1]! ^= 1;
    const cert = parseCertificate(buildCertificate({ spki }));
    expect(await asyncCodeOf(() => importCertificateKey(cert, COSE_ALGORITHMS.ES256))).toBe('invalid_attestation');
  });

  it('refuses malformed signatures as invalid_attestation', async () => {
    const es = cases['ES256']!;
    const der = await es.sign(data);
    for (const signature of [der.subarray(0, der.length - 1), concat(der, Uint8Array.of(0)), new Uint8Array(64)]) {
      expect(await asyncCodeOf(() => verifyWithCertificate(es.cert, es.alg, signature, data))).toBe('invalid_attestation');
    }
    const ed = cases['EdDSA']!;
    expect(await asyncCodeOf(async () => verifyWithCertificate(ed.cert, ed.alg, (await ed.sign(data)).subarray(1), data))).toBe('invalid_attestation');
    const rsa = cases['RS256']!;
    expect(await asyncCodeOf(async () => verifyWithCertificate(rsa.cert, rsa.alg, (await rsa.sign(data)).subarray(1), data))).toBe('invalid_attestation');
  });

  it('imports the keys of every captured certificate with the algorithm its key fits', async () => {
    for (const { der } of certificates) {
      const cert = parseCertificate(der);
      const alg =
        cert.publicKeyAlgorithm === KEY_OIDS.rsaEncryption
          ? COSE_ALGORITHMS.RS256
          : cert.publicKeyCurve === KEY_OIDS['P-384']
            ? COSE_ALGORITHMS.ES384
            : COSE_ALGORITHMS.ES256;
      await expect(importCertificateKey(cert, alg)).resolves.toBeDefined();
    }
  });
});

describe('early Yubico U2F attestation certificates', () => {
  // Some were issued with the signatureValue BIT STRING's "unused bits" octet set although the signature is
  // whole octets (python-fido2 and u2flib patch the byte before parsing). The octet is not signed; the
  // signature octets are read as they are. Unused bits anywhere else (the key, say) stay refused.
  it('parses a certificate whose signature BIT STRING claims unused bits, and the signature still verifies', async () => {
    const { createTestCertificateAuthority, issueTestCertificate } = await import('../testing/testPki.ts');
    const root = await createTestCertificateAuthority({ algorithm: 'RS256', subject: { CN: 'Yubico U2F Root CA Serial 457200631' } });
    const leaf = await issueTestCertificate({ issuer: root, subject: { CN: 'Yubico U2F EE Serial 23925734811456' }, isCA: undefined });
    const bent = new Uint8Array(leaf.der);
    expect(bent[bent.length - 257]).toBe(0);
    bent[bent.length - 257] = 7;
    const cert = parseCertificate(bent);
    expect(cert.signature).toEqual(leaf.der.subarray(leaf.der.length - 256));
    const rootKey = await subtle.importKey('spki', parseCertificate(root.der).subjectPublicKeyInfo as Uint8Array<ArrayBuffer>, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    expect(await subtle.verify('RSASSA-PKCS1-v1_5', rootKey, cert.signature as Uint8Array<ArrayBuffer>, cert.tbs as Uint8Array<ArrayBuffer>)).toBe(true);
    bent[bent.length - 257] = 8;
    expect(codeOf(() => parseCertificate(bent))).toBe('invalid_attestation');
  });
});

describe('parseCertificate: serial number encoding', () => {
  it('refuses a serial number with a redundant leading byte (not DER, X.690 §8.3.2), which re-encoding alone misses', () => {
    const vector = readRegistrationVectors().find((candidate) => candidate.fmt === 'apple')!;
    const attStmt = cbor.decode(Buffer.from(vector.response.response.attestationObject, 'base64url')).get('attStmt') as Map<string, unknown>;
    const leaf = new Uint8Array((attStmt.get('x5c') as Uint8Array[])[0]!);
    expect(() => parseCertificate(leaf)).not.toThrow();
    // The Apple leaf's serial is 02 06 01 …: zeroing its first octet makes 00 followed by a byte under 0x80.
    const serialStart = 15;
    expect(leaf[serialStart - 2]).toBe(0x02);
    const padded = new Uint8Array(leaf);
    padded[serialStart] = 0x00;
    expect(codeOf(() => parseCertificate(padded))).toBe('invalid_attestation');
  });
});
