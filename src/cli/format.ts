import { STATUS_CODES } from "node:http";

/** A virtual delay as a short label: `+0s`, `+1m`, `+6h`, `+1d 1h`. */
export function offsetLabel(ms: number): string {
  let rest = Math.round(ms / 1000);
  if (rest < 60) return `+${rest}s`;
  const parts: string[] = [];
  for (const [size, unit] of [[86_400, "d"], [3600, "h"], [60, "m"], [1, "s"]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return `+${parts.slice(0, 2).join(" ")}`;
}

/** `200 OK`, `401 Unauthorized`, … or a placeholder when there was no answer (no status, or 0). */
export function statusLabel(status: number | undefined): string {
  return status ? `${status} ${STATUS_CODES[status] ?? ""}`.trim() : "no answer";
}

/** Milliseconds with one decimal. */
export const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** A value at a percentile of a sorted list (0 for an empty one). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** Pads the columns of rows of cells to equal widths. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}
