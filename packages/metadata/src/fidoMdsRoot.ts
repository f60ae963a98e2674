import { decodeStandardBase64 } from './_base64.ts';

/*
 * The root the FIDO Alliance names for the Metadata Service BLOB's certificate chain.
 *
 * Source: https://fidoalliance.org/metadata/ ("Root Certificate": "The GlobalSign R46 root certificate is required
 * to verify the BLOB's digital signature. Relying parties must validate the chain of trust against this root"),
 * linking https://valid.r46.roots.globalsign.com/; the certificate itself is published by GlobalSign at
 * https://secure.globalsign.com/cacert/rootr46.crt. Since 21 August 2026 the BLOB's `x5c` is issued under it
 * (https://fidoalliance.org/mds-changelog/; see also fido-alliance/conformance-test-tools-resources#855). Before
 * that date the Alliance named GlobalSign Root CA - R3; a BLOB may still carry R46 cross-signed by R3 at the end
 * of its `x5c`, which `verifyMetadataBlob` handles by stopping the path at the first certificate the anchor issued.
 *
 * GlobalSign Root R46: C=BE, O=GlobalSign nv-sa, CN=GlobalSign Root R46; RSA 4096, sha384WithRSAEncryption;
 * valid 2019-03-20 to 2046-03-20.
 */

/** SHA-256 fingerprint of {@link FIDO_MDS_ROOT_CERTIFICATE}, lower-case hex (the value GlobalSign and the FIDO Alliance publish). */
export const FIDO_MDS_ROOT_FINGERPRINT_SHA256: string = '4fa3126d8d3a11d1c4855a4f807cbad6cf919d3a5a88b03bea2c6372d93c40c9';

/** The DER of GlobalSign Root R46, base64; decoded by {@link fidoMdsRootCertificate}. */
const FIDO_MDS_ROOT_BASE64 =
  'MIIFWjCCA0KgAwIBAgISEdK7udcjGJ5AXwqdLdDfJWfRMA0GCSqGSIb3DQEBDAUAMEYxCzAJBgNVBAYTAkJFMRkwFwYDVQQKExBH' +
  'bG9iYWxTaWduIG52LXNhMRwwGgYDVQQDExNHbG9iYWxTaWduIFJvb3QgUjQ2MB4XDTE5MDMyMDAwMDAwMFoXDTQ2MDMyMDAwMDAw' +
  'MFowRjELMAkGA1UEBhMCQkUxGTAXBgNVBAoTEEdsb2JhbFNpZ24gbnYtc2ExHDAaBgNVBAMTE0dsb2JhbFNpZ24gUm9vdCBSNDYw' +
  'ggIiMA0GCSqGSIb3DQEBAQUAA4ICDwAwggIKAoICAQCsrHQy6LNl5brtQyYdpokNRbopiLKkHWPd08EsCVeJOaFV6Wc0dwxu5FUd' +
  'UiXSE2te4R2pt32JMl8Nnp8semNgQB+msLZ4j5lUlghYruQGvGIFAha/r6gjA7aUD7xubMLL1aa7DOn2wQL7Id5m3RerdELv8HQv' +
  'JfTqa1VbkNud316HCkD7rRlr+/fKYIje2sGP1q7Vf9Q8g+7XFkyDRTNrJ9CG0Bwta/OrffGFqfUo0q3v84RLHIf8E6M6cqJaESvW' +
  'J3En7YEtbWaBkoe0G1h6zD8K+kZPTXhc+CtI4wSEy132tGqzZfxCnlEmIyDLPRT5ge1lFgBPGmSXZgjPjHvjK8Cd+RTyG/FWaha/' +
  'LIWFzXg4mutCagI0GIMXTpRW+LaCtfOW3T3zvn8gdz57GSNrLNRyc0NXfeD412lPFzYE+cCQYDdF3uYM2HSNrpyibXRdQr4G9dlk' +
  'bgIQrImwTDsHTUB+JMWKmIJ5jqSngiCNI/onccnfxkF0oE32kRbcRoxfKWMxWXEM2G/CtjJ9++ZdU6Z+Ffy7dXxd7Pj2Fxzsx2sZ' +
  'y/N78CsHpdlseVR2bJ0cpm4O6XkMqCNqo98bMDGfsVR7/mrLZqrcZdCinkqaByFrgY/bxFn63iLABJzjqls2k+g9vXqhnQt2sQvH' +
  'nf3PmKgGwvgqo6GDoLclcqUC4wIDAQABo0IwQDAOBgNVHQ8BAf8EBAMCAYYwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUA1yr' +
  'c4GHqMywptWU4jaWSf8FmSwwDQYJKoZIhvcNAQEMBQADggIBAHx47PYCLLtbfpIrXTncvtgdokIzTfnvpCo7RGkerNlFo048p9gk' +
  'UbJUHJNOxO97k4VgJuoJSOD1u8fpaNK7ajFxzHmuEajwmf3lH7wvqMxX63bEIaZHU1VNaL8FpO7XJqti2kM3S+LGteWygxk6x9Pb' +
  'TZ4IevPuzz5i+6zoYMzRx6Fcg0XERczzF2sUyQQCPtIkpnnpHs6i58FZFZ8d4kuaPp92CC1r2LpXFNqD6v6MVenQTqnMdzGxRBF6' +
  'XLE+0xRFFRhiJBPSy03OXIPBNvIQtQ6IbbjhVp+J3pZmOUdkLG5NrmJ7v2B0GbhWrJKsFjLtrWhV/pi60zTe9Mlhww6G9kuEYO4N' +
  'e7UyWHmRVSyBQ7N0H3qqJZ4d16GLuc1CLgSkZoNNiTW2bKg2SnkheCLQQrzRQDGQob4Ez8pn7fXwgNNgyYMqIgXQBztSvwyeqiv5' +
  'u+YfjyW6hY0XHgL+XVAEV8/+LbzvXMAaq7afJMbfc2hIkCwU9D9SGuTSyxTDYWnP4vkYxboznxSjBF25cfe1lNj2M8FawTSLfJvd' +
  'kzrnE6JwYZ+vj+vYxXX4M2bUdGc6N3ec592kD3ZDZopD8p/7DEJ4Y9HiD2971KE9dJeFt0g5QdYg/NA6s/rob8SKunE3vouXsXgx' +
  'T7PntgMTzlSdriVZzH81Xwj3QEUxeCp6';

/**
 * The DER certificate of the trust anchor the FIDO Alliance names for the MDS3 BLOB (GlobalSign Root R46, see the
 * source above), the default `trustAnchor` of {@link verifyMetadataBlob}. A fresh copy on each call.
 *
 * @returns the certificate's DER bytes, whose SHA-256 is {@link FIDO_MDS_ROOT_FINGERPRINT_SHA256}
 */
export function fidoMdsRootCertificate(): Uint8Array {
  return decodeStandardBase64(FIDO_MDS_ROOT_BASE64, 'the pinned root certificate');
}
