/*
 * Shared helpers for the benches: measure a set of tasks in interleaved rounds with tinybench, then print
 * the environment, a results table and pass/fail ratios. Kept small on purpose; each bench file states what
 * it measures and its targets.
 */
import { cpus } from 'node:os';
import { Bench } from 'tinybench';

/** A function to measure; it may return a promise, which is awaited inside the timed window. */
export type BenchFn = () => unknown;

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Number of rounds; each round runs every task once, and the median round per task is reported. Default 3. */
  rounds?: number;
  /** Time budget per task and round, in ms. Default 1500. */
  time?: number;
  /** Warmup budget per task and round, in ms. Default 200. */
  warmupTime?: number;
  /**
   * Calls per tinybench sample. Timing batches rather than single calls keeps the cost of reading the
   * clock (tens of ns) out of microsecond-scale figures, where it would flatter the fastest task. Default 32.
   */
  batch?: number;
}

/** Anything that has an operations-per-second figure; what the ratio printers compare. */
export interface Rate {
  /** Operations per second. */
  hz: number;
}

/** The reported figures of one task. */
export interface Measurement {
  name: string;
  /** Median over the rounds of the operations per second (total calls / total time of the round). */
  hz: number;
  /** Nanoseconds per operation, from {@link Measurement.hz}. */
  ns: number;
  /** Relative margin of error (95 %, in %) of the median round. */
  rme: number;
  /** Spread of the rounds' ops/s, (max − min) / median, in %: how much the machine drifted between rounds. */
  spread: number;
  /** Ops/s of every round, in round order. */
  rounds: number[];
}

/**
 * Measures each task in `rounds` interleaved rounds (task order rotates every round, so no task always
 * runs first or last) and reports, per task, the round with the median ops/s. On a shared machine this is
 * far more stable than one long run per task, and ratios between tasks measured in the same rounds are
 * fairer still.
 *
 * @param tasks - task name → function; functions returning a promise are awaited
 * @param options - see {@link MeasureOptions}
 * @returns one {@link Measurement} per task, in the order of `tasks`
 * @throws when a task throws: a failing task must never be reported as a fast one
 */
export async function measure(tasks: Record<string, BenchFn>, options: MeasureOptions = {}): Promise<Measurement[]> {
  const { rounds = 3, time = 1500, warmupTime = 200, batch = 32 } = options;
  const names = Object.keys(tasks);
  const perTask = new Map<string, { hz: number; rme: number }[]>(names.map((name) => [name, []]));
  const fns = new Map<string, BenchFn>();
  for (const name of names) fns.set(name, await batched(tasks[name]!, batch));

  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime, throws: true });
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      bench.add(name, fns.get(name)!);
    }
    await bench.run();
    for (const task of bench.tasks) {
      const { result } = task;
      if (result.state !== 'completed') throw new Error(`Task "${task.name}" ended as ${result.state}.`);
      perTask.get(task.name)!.push({ hz: (batch * 1000) / result.latency.mean, rme: result.latency.rme });
    }
  }

  return names.map((name) => {
    const results = perTask.get(name)!;
    const sorted = [...results].sort((a, b) => a.hz - b.hz);
    const middle = sorted[Math.floor(sorted.length / 2)]!;
    const hzs = results.map((r) => r.hz);
    return {
      name,
      hz: middle.hz,
      ns: 1e9 / middle.hz,
      rme: middle.rme,
      spread: (100 * (Math.max(...hzs) - Math.min(...hzs))) / middle.hz,
      rounds: hzs,
    };
  });
}

let sink: unknown;

/**
 * Wraps `fn` so one call runs it `times` times. One probe call tells whether `fn` returns a promise; if so,
 * every call is awaited, so the time of asynchronous work is counted.
 */
async function batched(fn: BenchFn, times: number): Promise<BenchFn> {
  // Results go to `sink`, so the engine can never treat a call as dead code.
  const probe = fn();
  if (probe instanceof Promise) {
    await probe;
    return async () => {
      for (let i = 0; i < times; i++) sink = await fn();
    };
  }
  return () => {
    for (let i = 0; i < times; i++) sink = fn();
  };
}

/**
 * Prints a title, the Node version and the CPU model, so figures are never read without their context.
 *
 * @param title - what the bench measures, in a few words
 */
export function printHeader(title: string): void {
  const cores = cpus();
  console.log(title);
  console.log(`node ${process.version} (${process.platform}/${process.arch}), ${cores.length} × ${cores[0]?.model ?? 'unknown CPU'}`);
  console.log('');
}

/**
 * Prints measurements as an aligned table: name, ops/s, ns/op, ±rme, spread across rounds.
 *
 * @param measurements - as returned by {@link measure}
 */
export function printTable(measurements: readonly Measurement[]): void {
  const rows = [
    ['task', 'ops/s', 'ns/op', 'rme', 'spread'],
    ...measurements.map((m) => [
      m.name,
      Math.round(m.hz).toLocaleString('en-US'),
      m.ns.toFixed(0),
      `±${m.rme.toFixed(2)} %`,
      `${m.spread.toFixed(1)} %`,
    ]),
  ];
  printAligned(rows);
}

/**
 * Prints rows of cells as an aligned table followed by a blank line: the first column left-aligned (names),
 * the others right-aligned (figures). The first row is the column headings.
 *
 * @param rows - the table, headings first; every row has the same number of cells
 */
export function printAligned(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  }
  console.log('');
}

/**
 * Prints `numerator / denominator` of two measurements' ops/s against a minimum, with PASS or FAIL.
 * Anything with an `hz` (ops/s) can be compared: a {@link Measurement} or a throughput figure.
 *
 * @param label - what the ratio means
 * @param numerator - the measurement being judged
 * @param denominator - the reference
 * @param target - the smallest acceptable ratio
 * @returns whether the target is met
 */
export function printRatio(label: string, numerator: Rate, denominator: Rate, target: number): boolean {
  return printRatioValue(label, numerator.hz / denominator.hz, target);
}

/**
 * Prints a ratio computed by the caller (for example a median of per-round ratios) against a minimum, with
 * PASS or FAIL, in the format of {@link printRatio}.
 *
 * @param label - what the ratio means
 * @param ratio - the ratio to judge
 * @param target - the smallest acceptable ratio
 * @returns whether the target is met
 */
export function printRatioValue(label: string, ratio: number, target: number): boolean {
  const pass = ratio >= target;
  console.log(`${pass ? 'PASS' : 'FAIL'}  ${label}: ${ratio.toFixed(2)}× (target ≥ ${target}×)`);
  return pass;
}

/**
 * Prints a ratio against the platform's ceiling (what a task doing nothing but the underlying platform call
 * reaches) with the verdict `PASS` or `BELOW-TARGET`, and the spread of the per-round ratios it is the
 * median of, so a verdict near the line can be read with the machine's noise in view.
 *
 * @param label - what the ratio means
 * @param ratios - the per-round ratios; their median is judged
 * @param target - the smallest acceptable median
 * @returns whether the target is met
 */
export function printCeilingVerdict(label: string, ratios: readonly number[], target: number): boolean {
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const quartile = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  const pass = median >= target;
  console.log(
    `${(pass ? 'PASS' : 'BELOW-TARGET').padEnd(12)}  ${label}: ${median.toFixed(2)}× (target ≥ ${target}×; ` +
      `rounds' middle half ${quartile(0.25)}–${quartile(0.75)}×)`,
  );
  return pass;
}

/**
 * Prints a ratio with no target, labelled as a reference figure and indented under the PASS/FAIL lines of
 * {@link printRatio}.
 *
 * @param label - what the ratio means
 * @param ratio - the ratio
 */
export function printReferenceRatio(label: string, ratio: number): void {
  console.log(`      ${label}: ${ratio.toFixed(2)}× (reference)`);
}
