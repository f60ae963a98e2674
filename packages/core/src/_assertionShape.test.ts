import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAuthenticationVectors } from '../test/vectors.ts';
import { usualAssertionShape } from './_assertionShape.ts';
import { authenticationResponseShapeSchema } from './responseJSON.ts';

const vectors = readAuthenticationVectors();
const sample = vectors[0]!.response;

/** A member as a client might send it: the real value, another valid one, or something wrong. */
const base64urlText = fc.uint8Array({ minLength: 0, maxLength: 80 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
const wrongText = fc.constantFrom('', 'A', 'AB=', 'a+b/', 'Zm9v\n', 'é', 'AAAB', 'AAAAB');
const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.boolean(), fc.constant({}), fc.constant([]), base64urlText, wrongText);
const member = (real: unknown) => fc.oneof({ weight: 4, arbitrary: fc.constant(real) }, { weight: 1, arbitrary: anyValue });

const candidate = fc.record(
  {
    id: member(sample.id),
    rawId: member(sample.rawId),
    type: member('public-key'),
    response: fc.oneof(
      { weight: 6, arbitrary: fc.record(
        {
          clientDataJSON: member(sample.response.clientDataJSON),
          authenticatorData: member(sample.response.authenticatorData),
          signature: member(sample.response.signature),
          userHandle: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), base64urlText, wrongText),
          extra: anyValue,
        },
        { requiredKeys: ['clientDataJSON', 'authenticatorData', 'signature'] },
      ) },
      { weight: 1, arbitrary: anyValue },
    ),
    authenticatorAttachment: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom('platform', 'cross-platform', 'other'), anyValue),
    clientExtensionResults: fc.oneof(fc.constant(undefined), fc.constant({}), fc.constant({ appid: true }), fc.constant(Object.create(null) as object), anyValue),
    unknown: anyValue,
  },
  { requiredKeys: [] },
);

describe('usualAssertionShape', () => {
  it('answers only what authenticationResponseShapeSchema answers, with the same value', () => {
    fc.assert(
      fc.property(fc.oneof(candidate, anyValue), (json) => {
        const quick = usualAssertionShape(json);
        const bySchema = authenticationResponseShapeSchema.safeParse(json);
        if (quick === undefined) return;
        expect(bySchema.success).toBe(true);
        expect(quick).toEqual(bySchema.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('recognises every captured assertion, so the sign-in path skips the schema for real browsers', () => {
    for (const vector of vectors) {
      expect(usualAssertionShape(vector.response)).toEqual(authenticationResponseShapeSchema.parse(vector.response));
    }
  });

  it('leaves a throwing getter to the schema instead of throwing', () => {
    const hostile = { ...sample, get rawId(): string { throw new Error('boom'); } };
    expect(usualAssertionShape(hostile)).toBeUndefined();
  });
});

describe('usualAssertionShape: what the schema’s copy of the response loses', () => {
  /** The response's members moved onto a prototype, or one of them made non-enumerable, or left alone. */
  const disguise = (json: unknown, how: 'plain' | 'inherited' | 'hidden', member: string): unknown => {
    if (typeof json !== 'object' || json === null || !('response' in json)) return json;
    const { response } = json as { response: unknown };
    if (typeof response !== 'object' || response === null || how === 'plain') return json;
    if (how === 'inherited') return { ...json, response: Object.create(response) as object };
    const hidden: Record<string, unknown> = { ...response };
    if (member in hidden) Object.defineProperty(hidden, member, { value: hidden[member], enumerable: false });
    return { ...json, response: hidden };
  };

  it('answers only what the schema answers for inherited and non-enumerable members too (property)', () => {
    fc.assert(
      fc.property(
        candidate,
        fc.constantFrom('plain' as const, 'inherited' as const, 'hidden' as const),
        fc.constantFrom('clientDataJSON', 'authenticatorData', 'signature', 'userHandle'),
        (json, how, member) => {
          const disguised = disguise(json, how, member);
          const quick = usualAssertionShape(disguised);
          if (quick === undefined) return;
          const bySchema = authenticationResponseShapeSchema.safeParse(disguised);
          expect(bySchema.success).toBe(true);
          expect(quick).toEqual(bySchema.data);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('leaves inherited or non-enumerable members with an empty user handle to the schema, which refuses them', () => {
    const inherited = (userHandle: null | '') => ({ ...sample, response: Object.assign(Object.create({ ...sample.response }) as object, { userHandle }) });
    const hidden: Record<string, unknown> = { ...sample.response, userHandle: null };
    Object.defineProperty(hidden, 'clientDataJSON', { value: sample.response.clientDataJSON, enumerable: false });
    for (const json of [inherited(null), inherited(''), { ...sample, response: hidden }]) {
      expect(authenticationResponseShapeSchema.safeParse(json).success).toBe(false);
      expect(usualAssertionShape(json)).toBeUndefined();
    }
    // Without an empty user handle the schema reads inherited members too, and so does the hand check.
    const json = { ...sample, response: Object.create({ ...sample.response }) as object };
    expect(usualAssertionShape(json)).toEqual(authenticationResponseShapeSchema.parse(json));
  });
});
