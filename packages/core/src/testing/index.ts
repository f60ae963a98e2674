/**
 * `@tessera/core/testing`: tools to prove your own implementations against the core's contracts.
 *
 * @module
 */
export { challengeStoreConformance, sampleChallengeRecord, sampleRegistrationRecord } from './challengeStoreConformance.ts';
export type { ChallengeStoreConformanceOptions, ConformanceCase } from './challengeStoreConformance.ts';
export { credentialStoreConformance, sampleCredentialRecord, sampleUserHandle } from './credentialStoreConformance.ts';
export type { CredentialStoreConformanceOptions } from './credentialStoreConformance.ts';
export { SoftwareAuthenticator } from './softwareAuthenticator.ts';
export type {
  AttestationStatementOverride,
  AttestationToSign,
  ClientDataOverrides,
  CreateCredentialInput,
  CreationOptionsLike,
  GetAssertionInput,
  RequestOptionsLike,
  SoftwareAlgorithm,
  SoftwareAuthenticatorOptions,
  SoftwareCredential,
} from './softwareAuthenticator.ts';
export { createTestCertificateAuthority, generateTestKeys, issueTestCertificate, issueTestCrl } from './testPki.ts';
export type { IssueTestCertificateInput, IssueTestCrlInput, TestCertificate, TestExtension, TestKeyAlgorithm, TestKeyUsage, TestName } from './testPki.ts';
