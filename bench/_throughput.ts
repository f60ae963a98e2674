/*
 * Throughput of asynchronous tasks with several calls in flight, for benches whose work leaves the JS thread
 * (WebCrypto in Node runs each operation as a job on the libuv thread pool). Awaiting one call at a time would
 * measure the round trip to the pool rather than how many operations a server gets through, so each task is
 * timed as a batch of operations shared by C concurrent workers. Printing goes through `_report.ts`.
 */
import { printAligned, type Rate } from './_report.ts';

/** An asynchronous operation to measure; its promise is awaited inside the timed batch. */
export type AsyncTask = () => Promise<unknown>;

/** Options of {@link measureThroughput}. */
export interface ThroughputOptions {
  /**
   * Numbers of calls kept in flight, each measured separately; default `[32, 1]` (a busy server, then one call
   * at a time for reference).
   */
  concurrency?: readonly number[];
  /** Number of rounds; each round runs every task at every concurrency, and the median round is reported. Default 3. */
  rounds?: number;
  /** Aimed duration of one timed batch, in ms; the batch size is calibrated per task and concurrency. Default 400. */
  batchTime?: number;
  /** Duration of the calibration run that also warms each task up, in ms, per task and concurrency. Default 150. */
  calibrationTime?: number;
}

/** The figures of one task at one concurrency. */
export interface ThroughputRate extends Rate {
  /** Calls in flight. */
  concurrency: number;
  /** Median over the rounds of the operations per second (operations of the batch / time of the batch). */
  hz: number;
  /** Spread of the rounds' ops/s, (max − min) / median, in %: how much the machine drifted between rounds. */
  spread: number;
  /** Ops/s of every round, in round order. */
  rounds: number[];
  /** Operations per timed batch. */
  operations: number;
}

/** The figures of one task, one {@link ThroughputRate} per concurrency, in the order of the options. */
export interface ThroughputMeasurement {
  name: string;
  rates: ThroughputRate[];
}

let sink: unknown;

/**
 * Runs `operations` calls of `task` with `concurrency` workers, each awaiting one call after another until
 * the shared budget is used up, and returns the elapsed time of the whole batch.
 *
 * @param task - the operation; a rejection stops every worker and rejects the batch
 * @param concurrency - number of workers, hence of calls in flight
 * @param operations - total calls, shared by the workers
 * @returns elapsed milliseconds from the first call to the last settlement
 */
export async function timeBatch(task: AsyncTask, concurrency: number, operations: number): Promise<number> {
  let remaining = operations;
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      remaining--;
      try {
        sink = await task();
      } catch (error) {
        remaining = 0;
        throw error;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - start;
}

/** Operations that take about `batchTime` ms at `concurrency`, found by doubling a batch for `calibrationTime` ms. */
async function calibrate(task: AsyncTask, concurrency: number, batchTime: number, calibrationTime: number): Promise<number> {
  let operations = concurrency;
  let spent = 0;
  let elapsed = 0;
  for (;;) {
    elapsed = await timeBatch(task, concurrency, operations);
    spent += elapsed;
    if (spent >= calibrationTime && elapsed >= calibrationTime / 4) break;
    if (elapsed < calibrationTime / 4) operations *= 2;
  }
  return Math.max(concurrency, Math.round((operations * batchTime) / elapsed));
}

/**
 * Measures the throughput of each task at each concurrency: after a calibration run per task and concurrency
 * (which also warms the task up), `rounds` interleaved rounds each time one batch of every task at every
 * concurrency (all tasks at one concurrency back to back), rotating the task order every round so no task
 * always runs first or last. Per task and concurrency the round with the median ops/s is reported; the batch
 * size is the same in every round. Many short rounds resist a shared machine's bursts better than a few long ones.
 *
 * @param tasks - task name → asynchronous function
 * @param options - see {@link ThroughputOptions}
 * @returns one {@link ThroughputMeasurement} per task, in the order of `tasks`
 * @throws when a task rejects: a failing task must never be reported as a fast one
 */
export async function measureThroughput(
  tasks: Record<string, AsyncTask>,
  options: ThroughputOptions = {},
): Promise<ThroughputMeasurement[]> {
  const { concurrency = [32, 1], rounds = 3, batchTime = 400, calibrationTime = 150 } = options;
  const names = Object.keys(tasks);
  const operations = new Map<string, number[]>();
  for (const name of names) {
    const sizes: number[] = [];
    for (const c of concurrency) sizes.push(await calibrate(tasks[name]!, c, batchTime, calibrationTime));
    operations.set(name, sizes);
  }

  const results = new Map<string, number[][]>(names.map((name) => [name, concurrency.map(() => [])]));
  for (let round = 0; round < rounds; round++) {
    // Tasks compared at one concurrency run back to back, so the machine's drift affects them alike.
    for (let level = 0; level < concurrency.length; level++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        const ops = operations.get(name)![level]!;
        const elapsed = await timeBatch(tasks[name]!, concurrency[level]!, ops);
        results.get(name)![level]!.push((ops * 1000) / elapsed);
      }
    }
  }

  return names.map((name) => ({
    name,
    rates: concurrency.map((c, level) => {
      const hzs = results.get(name)![level]!;
      const median = [...hzs].sort((a, b) => a - b)[Math.floor(hzs.length / 2)]!;
      return {
        concurrency: c,
        hz: median,
        spread: (100 * (Math.max(...hzs) - Math.min(...hzs))) / median,
        rounds: hzs,
        operations: operations.get(name)![level]!,
      };
    }),
  }));
}

/**
 * Prints throughput measurements as an aligned table: the task, then ops/s and spread across rounds for each
 * concurrency.
 *
 * @param measurements - as returned by {@link measureThroughput}, all with the same concurrencies
 */
export function printThroughputTable(measurements: readonly ThroughputMeasurement[]): void {
  const levels = measurements[0]?.rates.map((rate) => rate.concurrency) ?? [];
  printAligned([
    ['task', ...levels.flatMap((c) => [`ops/s C=${c}`, 'spread'])],
    ...measurements.map((m) => [
      m.name,
      ...m.rates.flatMap((rate) => [Math.round(rate.hz).toLocaleString('en-US'), `${rate.spread.toFixed(1)} %`]),
    ]),
  ]);
}

/**
 * The median over the rounds of `numerator`'s ops/s divided by `denominator`'s in the same round. Tasks of
 * one round run within about a second of each other, so on a machine whose speed shifts between phases
 * (shared cores) this pairs figures taken in the same phase, which a ratio of the two medians does not.
 *
 * @param numerator - a rate from {@link measureThroughput}
 * @param denominator - a rate measured in the same rounds
 * @returns the median per-round ratio
 * @throws when the two rates were not measured in the same number of rounds
 */
export function pairedRatio(numerator: ThroughputRate, denominator: ThroughputRate): number {
  const ratios = pairedRatios(numerator, denominator).sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/**
 * The per-round ratios of `numerator`'s ops/s to `denominator`'s, in round order (see {@link pairedRatio}).
 *
 * @param numerator - a rate from {@link measureThroughput}
 * @param denominator - a rate measured in the same rounds
 * @returns one ratio per round
 * @throws when the two rates were not measured in the same number of rounds
 */
export function pairedRatios(numerator: ThroughputRate, denominator: ThroughputRate): number[] {
  if (numerator.rounds.length !== denominator.rounds.length || numerator.rounds.length === 0) {
    throw new Error('pairedRatio needs two rates measured in the same rounds.');
  }
  return numerator.rounds.map((hz, round) => hz / denominator.rounds[round]!);
}
