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
  const problem = problemOfLeaf(value, depth, budget);
  if (problem !== undefined || typeof value !== 'object' || value === null) return problem;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const inner = problemAt(item, depth + 1, budget);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** What is wrong with `value` itself, its members aside: its kind, its depth, or the values visited so far. */
function problemOfLeaf(value: unknown, depth: number, budget: { visited: number }): string | undefined {
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
      if (value === null || Array.isArray(value)) return undefined;
      const prototype: unknown = Object.getPrototypeOf(value);
      return prototype === Object.prototype || prototype === null ? undefined : 'only plain objects are JSON';
    }
    default:
      return `a value of type ${typeof value} is not JSON`;
  }
}

/**
 * A copy of `value` made of new arrays and plain objects, each member read once, or `undefined` when what is
 * read is not the JSON {@link jsonValueProblem} accepts, or reading it throws (a getter or Proxy may answer
 * differently from when it was checked). What a verifier hands back is then its own: a caller changing the
 * objects it passed in, later, changes nothing in a result.
 *
 * @internal the ceremony verifiers' extension outputs (_ceremonyChecks.ts)
 * @param value - a value that passed {@link jsonValueProblem}
 * @returns `{ copy }`, or `undefined`
 */
export function copyJsonValue(value: unknown): { copy: unknown } | undefined {
  try {
    return { copy: copyAt(value, 0, { visited: 0 }) };
  } catch {
    return undefined;
  }
}

function copyAt(value: unknown, depth: number, budget: { visited: number }): unknown {
  const problem = problemOfLeaf(value, depth, budget);
  if (problem !== undefined) throw new Error(problem);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (let index = 0, { length } = value; index < length; index++) copy.push(copyAt(value[index], depth + 1, budget));
    return copy;
  }
  const copy: Record<string, unknown> = {};
  // defineProperty, not assignment: a member named "__proto__" stays a member and sets no prototype.
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: copyAt(item, depth + 1, budget), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
