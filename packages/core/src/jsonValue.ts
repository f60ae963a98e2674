/** Deepest nesting accepted in a pass-through JSON value; deeper values are almost surely a mistake or an attack. */
export const MAX_JSON_DEPTH = 32;

/**
 * Why `value` would not survive `JSON.parse(JSON.stringify(value))` unchanged, or `undefined` if it would:
 * only `null`, booleans, finite numbers other than `-0`, strings, arrays and plain objects, nested at most
 * {@link MAX_JSON_DEPTH} levels (which also rules out cycles).
 *
 * @param value - the candidate
 * @returns the reason, or `undefined`
 */
export function jsonValueProblem(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels (or cyclic)`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) return 'a non-finite number is not JSON';
      return Object.is(value, -0) ? 'negative zero would come back from JSON as 0' : undefined;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (const item of value) {
          const problem = jsonValueProblem(item, depth + 1);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return 'only plain objects are JSON';
      for (const item of Object.values(value)) {
        const problem = jsonValueProblem(item, depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `a value of type ${typeof value} is not JSON`;
  }
}
