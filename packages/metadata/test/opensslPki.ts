/*
 * Test support only: a PKI built the way someone outside this project would build one — keys, certificates and
 * CRLs made by the OpenSSL command line (`openssl genpkey`, `req -x509`, `x509 -req -extfile`, `ca -revoke`,
 * `ca -gencrl`) in a temporary directory, and a compact JWS signed with node:crypto from the PEM private key
 * (RFC 7515 §7.1, RFC 7518 §3). Nothing here uses the core's test PKI builder or WebCrypto, so a blind spot shared
 * by that builder and the verifier does not hide here.
 */
import { execFileSync } from 'node:child_process';
import { constants, sign } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Key kinds `openssl genpkey` makes here. */
export type KeyKind = 'rsa1024' | 'rsa2048' | 'rsa3072' | 'p256' | 'p384' | 'p521' | 'ed25519';

/** The JWS algorithms an outsider may sign a BLOB with (RFC 7518 §3.1, RFC 8037 §3.1). */
export type JwsAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/**
 * The X.509 v3 extension profiles certificates are issued with (`openssl x509 -extfile … -extensions <name>`), as
 * private PKIs commonly write them.
 */
const EXTENSIONS = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused

[root_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[root_ca_minimal]
basicConstraints = CA:true

[intermediate_ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.reviewer.test/root.crl
authorityInfoAccess = caIssuers;URI:http://pki.reviewer.test/root.crt
certificatePolicies = 2.23.140.1.2.2, 1.3.6.1.4.1.99999.1

[intermediate_ca_pathlen1]
basicConstraints = critical, CA:true, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[intermediate_ca_name_constraints]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = critical, permitted;DNS:.reviewer.test

[leaf_no_key_usage]
basicConstraints = CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[leaf_digital_signature]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[leaf_tls]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:mds.reviewer.test, DNS:www.reviewer.test
certificatePolicies = 2.23.140.1.2.2
authorityInfoAccess = OCSP;URI:http://ocsp.reviewer.test, caIssuers;URI:http://pki.reviewer.test/int.crt
crlDistributionPoints = URI:http://crl.reviewer.test/int.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[leaf_code_signing]
keyUsage = digitalSignature, nonRepudiation
extendedKeyUsage = critical, codeSigning
subjectKeyIdentifier = hash

[leaf_content_commitment]
basicConstraints = critical, CA:FALSE
keyUsage = critical, nonRepudiation

[leaf_key_encipherment_only]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment

[leaf_cert_sign_only]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign

[not_a_ca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
`;

/** A temporary directory holding one PKI's files. */
export class OpensslPki {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tessera-foreign-pki-'));
    writeFileSync(join(this.dir, 'ext.cnf'), EXTENSIONS);
  }

  /** Adds an extension section of your own to `ext.cnf` (for example a FIDO AAGUID extension). */
  addExtensions(section: string, lines: string[]): void {
    appendFileSync(join(this.dir, 'ext.cnf'), `\n[${section}]\n${lines.join('\n')}\n`);
  }

  /** Runs `openssl` in the directory; returns its standard output. */
  openssl(...args: string[]): Buffer {
    try {
      return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('The openssl CLI is needed by these tests. Install it, e.g. "apt-get install -y openssl"; .ci/run does so.', { cause: error });
      }
      throw error;
    }
  }

  /** `openssl genpkey` → `<name>.key` (PEM PKCS#8). */
  key(name: string, kind: KeyKind): void {
    const options: Record<KeyKind, string[]> = {
      rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
      rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      rsa3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
      p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
      ed25519: ['-algorithm', 'ED25519'],
    };
    this.openssl('genpkey', ...options[kind], '-out', `${name}.key`);
  }

  /** `openssl req -x509` → `<name>.pem`, a self-signed root. */
  root(name: string, kind: KeyKind, subject: string, options: { extensions?: string; days?: number; digest?: string } = {}): void {
    this.key(name, kind);
    const digest = kind === 'ed25519' ? [] : [`-${options.digest ?? 'sha256'}`];
    this.openssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', subject, '-days', String(options.days ?? 3650), ...digest, '-config', 'ext.cnf', '-extensions', options.extensions ?? 'root_ca', '-set_serial', '0x' + randomSerial(), '-out', `${name}.pem`);
  }

  /**
   * `openssl req -new` then `openssl x509 -req -CA …` → `<name>.pem`, issued by `issuer`. With `extensions: null` no
   * `-extfile` is given (an X.509 v1 certificate, no extensions).
   */
  issue(name: string, kind: KeyKind, subject: string, issuer: string, options: { extensions?: string | null; days?: number; digest?: string; pss?: boolean; reuseKey?: string } = {}): void {
    const keyName = options.reuseKey ?? name;
    if (options.reuseKey === undefined) this.key(name, kind);
    this.openssl('req', '-new', '-key', `${keyName}.key`, '-subj', subject, '-config', 'ext.cnf', '-out', `${name}.csr`);
    const issuerKey = readFileSync(join(this.dir, `${issuer}.key`), 'utf8');
    const digest = issuerKey.length < 200 ? [] : [`-${options.digest ?? 'sha256'}`]; // an Ed25519 issuer takes no digest
    const extensions = options.extensions === null ? [] : ['-extfile', 'ext.cnf', '-extensions', options.extensions ?? 'leaf_digital_signature'];
    const pss = options.pss === true ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'] : [];
    this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', '0x' + randomSerial(), '-days', String(options.days ?? 825), ...digest, ...pss, ...extensions, '-out', `${name}.pem`);
  }

  /**
   * `openssl ca -revoke` (optional) then `openssl ca -gencrl` by `issuer` → the CRL, DER, and its PEM text; a v2 CRL
   * with authorityKeyIdentifier and cRLNumber, or with `v1` a CRL without extensions.
   */
  crl(issuer: string, revoke: string[] = [], options: { days?: number; v1?: boolean } = {}): { der: Uint8Array; pem: string } {
    const database = `${issuer}.index.txt`;
    writeFileSync(join(this.dir, database), '');
    writeFileSync(join(this.dir, `${issuer}.crlnumber`), '1000\n');
    writeFileSync(
      join(this.dir, `${issuer}.ca.cnf`),
      [
        '[ca]',
        'default_ca = ca_default',
        '[ca_default]',
        `database = ${database}`,
        `crlnumber = ${issuer}.crlnumber`,
        'default_md = sha256',
        `default_crl_days = ${options.days ?? 30}`,
        ...(options.v1 === true ? [] : ['crl_extensions = crl_ext']),
        '[crl_ext]',
        'authorityKeyIdentifier = keyid:always',
        '',
      ].join('\n'),
    );
    const caArgs = ['-config', `${issuer}.ca.cnf`, '-keyfile', `${issuer}.key`, '-cert', `${issuer}.pem`];
    for (const certificate of revoke) this.openssl('ca', ...caArgs, '-revoke', `${certificate}.pem`, '-crl_reason', 'keyCompromise');
    this.openssl('ca', ...caArgs, '-gencrl', '-out', `${issuer}.crl.pem`);
    this.openssl('crl', '-in', `${issuer}.crl.pem`, '-outform', 'DER', '-out', `${issuer}.crl.der`);
    return { der: this.bytes(`${issuer}.crl.der`), pem: readFileSync(join(this.dir, `${issuer}.crl.pem`), 'utf8') };
  }

  /** A certificate's DER, converted by `openssl x509 -outform DER`. */
  der(name: string): Uint8Array {
    return new Uint8Array(this.openssl('x509', '-in', `${name}.pem`, '-outform', 'DER'));
  }

  /** A certificate's PEM text, as openssl wrote it. */
  pem(name: string): string {
    return readFileSync(join(this.dir, `${name}.pem`), 'utf8');
  }

  /** A file's bytes. */
  bytes(file: string): Uint8Array {
    return new Uint8Array(readFileSync(join(this.dir, file)));
  }

  /** The `x5c` member for these certificates: each PEM's body lines joined, standard base64 (RFC 7515 §4.1.6). */
  x5c(...names: string[]): string[] {
    return names.map((name) => this.pem(name).replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
  }

  /** Signs a compact JWS with `<keyName>.key` through node:crypto (RFC 7515 §5.1). */
  signJws(keyName: string, header: Record<string, unknown>, payload: unknown, options: { pssSaltLength?: number; payloadText?: string } = {}): string {
    const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const input = `${encode(JSON.stringify(header))}.${encode(options.payloadText ?? JSON.stringify(payload))}`;
    const key = readFileSync(join(this.dir, `${keyName}.key`), 'utf8');
    const alg = String(header['alg']);
    const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
    const bytes = Buffer.from(input, 'ascii');
    let signature: Buffer;
    if (alg.startsWith('ES')) signature = sign(hash, bytes, { key, dsaEncoding: 'ieee-p1363' });
    else if (alg.startsWith('PS')) signature = sign(hash, bytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: options.pssSaltLength ?? Number(alg.slice(2)) / 8 });
    else signature = sign(hash, bytes, key);
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Signs the JWS signing input with `openssl dgst -sha256 -sign` (RS256: RSASSA-PKCS1-v1_5 over SHA-256). */
  signJwsWithOpensslCli(keyName: string, header: Record<string, unknown>, payload: unknown): string {
    const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const input = `${encode(JSON.stringify(header))}.${encode(JSON.stringify(payload))}`;
    writeFileSync(join(this.dir, 'signing-input.txt'), input);
    const signature = this.openssl('dgst', '-sha256', '-sign', `${keyName}.key`, 'signing-input.txt');
    return `${input}.${signature.toString('base64url')}`;
  }

  /** The private key's PEM text. */
  privateKeyPem(name: string): string {
    return readFileSync(join(this.dir, `${name}.key`), 'utf8');
  }

  /** Removes the directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 16 random bytes as hex with the top bit clear, a positive serial number (RFC 5280 §4.1.2.2). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f | 0x10;
  return Buffer.from(bytes).toString('hex');
}
