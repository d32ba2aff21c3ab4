import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SectionResult } from "./harness.js";

/** Where the verify chart goes; BENCHMARKS.md embeds it. */
export const VERIFY_CHART = fileURLToPath(new URL("./verify-throughput.svg", import.meta.url));

// The series drawn, in legend order: [candidate name in the verify section, label, colour].
const series: [candidate: string, label: string, colour: string][] = [
  ["floor", "node:crypto floor", "#9e9e9e"],
  ["createVerifier (node)", "agentref-webhooks", "#1565c0"],
  ["standardwebhooks", "standardwebhooks", "#ef6c00"],
  ["svix", "svix", "#c62828"],
];

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Throughput in MB/s from ops/s and the body size in the case name ("16 KB (16,386 B)"). */
function megabytesPerSecond(caseName: string, opsPerSec: number): number {
  const bytes = Number(/\(([\d,]+) B\)/.exec(caseName)?.[1]?.replace(/,/g, "") ?? Number.NaN);
  return (opsPerSec * bytes) / 1e6;
}

/**
 * A grouped bar chart of the verify section: one group per body size, one bar per
 * library, the bar's height its throughput as a fraction of the node:crypto floor
 * measured in the same rounds, labelled with that ratio and the MB/s. Hand-written SVG.
 *
 * @example
 * writeFileSync("verify.svg", verifyChartSvg(await runSection(verifySection)));
 */
export function verifyChartSvg(result: SectionResult): string {
  const width = 760;
  const height = 420;
  const margin = { top: 64, right: 24, bottom: 92, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const groups = result.cases.map((c) => ({
    label: c.name.replace(/ \(.*$/, ""),
    bars: series.map(([name, label, colour]) => {
      const r = c.results.find((x) => x.name === name);
      return { label, colour, ratio: r?.ratio ?? 0, mbps: r ? megabytesPerSecond(c.name, r.opsPerSec) : 0 };
    }),
  }));
  const maxRatio = Math.max(1.2, ...groups.flatMap((g) => g.bars.map((b) => b.ratio)));
  // Headroom above the tallest bar for its two labels.
  const top = Math.ceil((maxRatio + 0.15) * 5) / 5;
  const y = (ratio: number) => margin.top + plotH - (ratio / top) * plotH;
  const groupW = plotW / groups.length;
  const barW = Math.min(34, (groupW - 24) / series.length);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="16" font-weight="600" fill="#212121">Signature verification throughput, relative to bare node:crypto</text>`,
    `<text x="${margin.left}" y="44" fill="#616161">Ops/s as a fraction of the floor in the same rounds (higher is better); labels: ratio, MB/s verified</text>`,
  );
  // Grid lines and the y axis.
  for (let tick = 0; tick <= top + 1e-9; tick += 0.2) {
    const ty = y(tick);
    const isFloor = Math.abs(tick - 1) < 1e-9;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="${isFloor ? "#757575" : "#e0e0e0"}"${isFloor ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${margin.left - 8}" y="${(ty + 4).toFixed(1)}" text-anchor="end" fill="#616161">${tick.toFixed(1)}x</text>`,
    );
  }
  groups.forEach((group, gi) => {
    const gx = margin.left + gi * groupW + (groupW - barW * series.length) / 2;
    group.bars.forEach((bar, bi) => {
      const x = gx + bi * barW;
      const by = y(bar.ratio);
      parts.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(margin.top + plotH - by).toFixed(1)}" fill="${bar.colour}"><title>${escape(`${bar.label}, ${group.label}: ${bar.ratio.toFixed(2)}x the floor, ${bar.mbps.toFixed(0)} MB/s`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(by - 16).toFixed(1)}" text-anchor="middle" font-size="10" fill="#212121">${bar.ratio.toFixed(2)}x</text>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(by - 5).toFixed(1)}" text-anchor="middle" font-size="9" fill="#757575">${bar.mbps >= 100 ? bar.mbps.toFixed(0) : bar.mbps.toFixed(1)}</text>`,
      );
    });
    parts.push(
      `<text x="${(margin.left + gi * groupW + groupW / 2).toFixed(1)}" y="${margin.top + plotH + 20}" text-anchor="middle" font-size="13" fill="#212121">${escape(group.label)} body</text>`,
    );
  });
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#424242"/>`);
  // Legend.
  const legendY = height - 30;
  let lx = margin.left;
  for (const [, label, colour] of series) {
    parts.push(
      `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${lx + 18}" y="${legendY}" fill="#212121">${escape(label)}</text>`,
    );
    lx += 30 + label.length * 7;
  }
  parts.push(`<text x="${width - margin.right}" y="${legendY}" text-anchor="end" fill="#9e9e9e">MB/s under each ratio</text>`, "</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * Writes the verify chart from a verify section result.
 *
 * @example
 * writeVerifyChart(verifyResult); // bench/verify-throughput.svg
 */
export function writeVerifyChart(result: SectionResult, path = VERIFY_CHART): string {
  writeFileSync(path, verifyChartSvg(result));
  return path;
}
