import { describe, expect, it } from 'vitest';
import * as core from '@tessera/core';
import * as testing from '@tessera/core/testing';

describe('@tessera/core public API', () => {
  it('exports the names the issue fixes, imported by package name', () => {
    for (const name of [
      'generateChallenge',
      'base64url',
      'buildAuthenticationOptions',
      'TesseraError',
      'TESSERA_ERROR_CODES',
      'MemoryChallengeStore',
      'createRelyingParty',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
    expect(typeof core.base64url.encode).toBe('function');
    expect(typeof core.base64url.decode).toBe('function');
    expect(typeof testing.challengeStoreConformance).toBe('function');
  });

  it('exports zod schemas for every input and output it validates', () => {
    for (const name of [
      'authenticationOptionsInputSchema',
      'publicKeyCredentialRequestOptionsJSONSchema',
      'rpIdSchema',
      'credentialIdSchema',
      'authenticatorTransportSchema',
      'publicKeyCredentialHintSchema',
      'authenticationExtensionsInputSchema',
      'challengeRecordSchema',
      'relyingPartyConfigSchema',
      'startAuthenticationInputSchema',
    ] as const) {
      expect(typeof (core[name] as { safeParse?: unknown }).safeParse, name).toBe('function');
    }
  });

  it('keeps internals out of the public API', () => {
    for (const name of ['parseOrThrow', 'assembleAuthenticationOptions', 'jsonValueProblem', 'base64urlProblem', 'generateTicket']) {
      expect(core, name).not.toHaveProperty(name);
    }
  });
});
