import { describe, expectTypeOf, it } from 'vitest';
import type { ChallengeStore } from './challengeStore.ts';
import type { PublicKeyCache } from './publicKeyCache.ts';
import type { RelyingPartyConfig, TrustAttestation } from './relyingParty.ts';

describe('RelyingPartyConfig types', () => {
  it('types the function and object members for callers, not as unknown', () => {
    expectTypeOf<RelyingPartyConfig['challengeStore']>().toEqualTypeOf<ChallengeStore>();
    expectTypeOf<RelyingPartyConfig['now']>().toEqualTypeOf<(() => number) | undefined>();
    expectTypeOf<RelyingPartyConfig['trustAttestation']>().toEqualTypeOf<TrustAttestation | undefined>();
    expectTypeOf<RelyingPartyConfig['keyCache']>().toEqualTypeOf<PublicKeyCache | undefined>();
  });
});
