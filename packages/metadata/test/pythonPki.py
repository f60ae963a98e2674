"""Test support only: a metadata BLOB PKI built with Python's `cryptography`, the way a reviewer might build one.

Prints JSON: the root (PEM), BLOBs signed ES256, ES384, RS256 and PS256 over a chain root -> intermediate -> signer,
a clean CRL and one revoking the signer (both PEM, by the intermediate). Arguments: the payload JSON.
"""
import base64
import datetime
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)


def name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Reviewer GmbH"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def certificate(subject, key, issuer, issuer_key, ca, path_length=None, leaf_usage=True):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
    elif leaf_usage:
        builder = (
            builder.add_extension(
                x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                              key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("mds.reviewer.test")]), critical=False)
        )
    is_p384 = isinstance(issuer_key, ec.EllipticCurvePrivateKey) and issuer_key.curve.name == "secp384r1"
    digest = hashes.SHA384() if is_p384 else hashes.SHA256()
    return builder.sign(issuer_key, digest)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(alg, key, chain, payload):
    header = {"alg": alg, "typ": "JWT", "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(payload.encode())).encode()
    if alg.startswith("ES"):
        hash_algorithm = hashes.SHA256() if alg == "ES256" else hashes.SHA384()
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hash_algorithm)))
        size = (key.curve.key_size + 7) // 8
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    elif alg == "RS256":
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = key.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size), hashes.SHA256())
    return signing_input.decode() + "." + b64url(signature)


def crl(issuer, issuer_key, revoked):
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(NOW)
        .next_update(NOW + datetime.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for certificate_ in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(certificate_.serial_number).revocation_date(NOW).build()
        )
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def main():
    payload = sys.argv[1]
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = certificate(name("Reviewer Python Root"), root_key, name("Reviewer Python Root"), root_key, ca=True)
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = certificate(name("Reviewer Python CA"), intermediate_key, root.subject, root_key, ca=True, path_length=0)
    blobs = {}
    revoked_crls = {}
    for alg, key in (
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("ES384", ec.generate_private_key(ec.SECP384R1())),
        ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("PS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ):
        signer = certificate(name("mds.reviewer.test"), key, intermediate.subject, intermediate_key, ca=False)
        blobs[alg] = jws(alg, key, [signer, intermediate], payload)
        revoked_crls[alg] = crl(intermediate, intermediate_key, [signer])
    print(json.dumps({
        "root": root.public_bytes(serialization.Encoding.PEM).decode(),
        "blobs": blobs,
        "cleanCrl": crl(intermediate, intermediate_key, []),
        "revokedCrls": revoked_crls,
    }))


main()
