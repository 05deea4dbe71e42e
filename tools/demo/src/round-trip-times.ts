/** Minimum, mean and maximum of a set of round-trip times, in milliseconds. */
export interface RoundTripSummary {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

/** Undefined when nothing came back. */
export function summarizeRoundTrips(times: readonly number[]): RoundTripSummary | undefined {
  if (times.length === 0) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const time of times) {
    min = Math.min(min, time);
    max = Math.max(max, time);
    sum += time;
  }
  return { min, avg: sum / times.length, max };
}
