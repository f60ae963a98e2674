/** Deepest nesting accepted in a pass-through JSON value; deeper values are almost surely a mistake or an attack. */
export const MAX_JSON_DEPTH = 32;
/** Most values (of any kind, at any depth) visited; bounds the work on graphs that share sub-objects. */
export const MAX_JSON_NODES = 10_000;

/**
 * Why `value` would not survive `JSON.parse(JSON.stringify(value))` unchanged, or `undefined` if it would:
 * only `null`, booleans, finite numbers other than `-0`, strings, arrays and plain objects, nested at most
 * {@link MAX_JSON_DEPTH} levels (which also rules out cycles), {@link MAX_JSON_NODES} values in all.
 *
 * @param value - the candidate
 * @returns the reason, or `undefined`
 */
export function jsonValueProblem(value: unknown): string | undefined {
  return problemAt(value, 0, { visited: 0 });
}

function problemAt(value: unknown, depth: number, budget: { visited: number }): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels (or cyclic)`;
  if (++budget.visited > MAX_JSON_NODES) return `more than ${MAX_JSON_NODES} values`;
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
          const problem = problemAt(item, depth + 1, budget);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return 'only plain objects are JSON';
      for (const item of Object.values(value)) {
        const problem = problemAt(item, depth + 1, budget);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `a value of type ${typeof value} is not JSON`;
  }
}
