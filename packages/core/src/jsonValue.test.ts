import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, copyJsonValue, jsonValueProblem } from './jsonValue.ts';

/** Every object and array reachable from `value`. */
function containers(value: unknown, into: Set<object> = new Set()): Set<object> {
  if (typeof value === 'object' && value !== null) {
    into.add(value);
    for (const item of Object.values(value)) containers(item, into);
  }
  return into;
}

describe('copyJsonValue', () => {
  it('copies any JSON jsonValueProblem accepts into equal values sharing no object with the original', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        if (jsonValueProblem(value) !== undefined) return;
        const copied = copyJsonValue(value);
        expect(copied).toBeDefined();
        expect(copied!.copy).toStrictEqual(value);
        const original = containers(value);
        for (const inner of containers(copied!.copy)) expect(original.has(inner)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a "__proto__" member as a member, setting no prototype', () => {
    const value = JSON.parse('{"__proto__":{"appid":true}}') as Record<string, unknown>;
    const copy = copyJsonValue(value)!.copy as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy['appid']).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__']);
  });

  it('answers undefined, never throws, for what is not JSON when read again: cycles, getters that throw, class instances, -0', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const throwing = {
      get member(): unknown {
        throw new Error('boom');
      },
    };
    let deep: unknown = 'leaf';
    for (let level = 0; level <= MAX_JSON_DEPTH; level++) deep = [deep];
    for (const value of [cyclic, throwing, { date: new Date(0) }, [-0], { big: 1n }, deep, new Proxy({}, { ownKeys: () => { throw new Error('trap'); } })]) {
      expect(copyJsonValue(value)).toBeUndefined();
    }
  });
});
