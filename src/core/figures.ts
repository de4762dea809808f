/** A figure as results and notes report it: three decimals. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
