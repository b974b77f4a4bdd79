/**
 * A ratio as printed beside its grade (the server's PercentText): one decimal, ordinary rounding,
 * but never rounded up onto a whole percent that was not reached — where the bands' thresholds
 * are — so 0.9996 shows 99.9%, not 100.0% beside a grade below the 100% band.
 */
export function percentText(ratio: number): string {
  const percent = ratio * 100;
  let tenths = Math.round(percent * 10);
  if (Math.abs(tenths) % 10 === 0 && tenths / 10 > percent + 1e-9) tenths = Math.floor(percent * 10 + 1e-7);
  return `${(tenths / 10).toFixed(1)}%`;
}
