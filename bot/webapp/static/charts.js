// The statistics as simple SVG bar charts, drawn from the API's figures (no chart library).
import { el, esc, number, t } from "./core.js";

const WIDTH = 340;  // the viewBox: the chart scales to the card's width
const BAR = 22;
const GAP = 6;
const LABEL = 110;

/**
 * One horizontal bar chart: points [{label, value}] (`value` shown through `show`), read out as a
 * list by screen readers.
 */
export function barChart(title, points, show = (value) => number(value, 1)) {
  const max = Math.max(1, ...points.map((p) => Number(p.value) || 0));
  const height = points.length * (BAR + GAP) + GAP;
  const bars = points.map((point, index) => {
    const y = GAP + index * (BAR + GAP);
    const value = Number(point.value) || 0;
    const width = Math.max(1, ((WIDTH - LABEL - 50) * value) / max);
    return `<g role="listitem" aria-label="${esc(`${point.label}: ${show(value)}`)}">`
      + `<text x="${LABEL - 6}" y="${y + BAR / 2 + 4}" text-anchor="end">${esc(String(point.label).slice(0, 16))}</text>`
      + `<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" rx="3"></rect>`
      + `<text x="${LABEL + width + 4}" y="${y + BAR / 2 + 4}">${esc(show(value))}</text></g>`;
  }).join("");
  const figure = el("figure", { class: "card chart-card" });
  figure.innerHTML = `<figcaption><h3>${esc(title)}</h3></figcaption>`
    + `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="list" aria-label="${esc(t("stats.chart_label", { title }))}">${bars}</svg>`;
  return figure;
}

/** A column chart for a series in time (months): points [{label, value}], left to right. */
export function columnChart(title, points, show = (value) => number(value, 1)) {
  const height = 150;
  const top = 16;
  const bottom = 20;
  const max = Math.max(1, ...points.map((p) => Number(p.value) || 0));
  const step = (WIDTH - 8) / Math.max(1, points.length);
  const columns = points.map((point, index) => {
    const value = Number(point.value) || 0;
    const tall = ((height - top - bottom) * value) / max;
    const x = 4 + index * step;
    const y = height - bottom - tall;
    return `<g role="listitem" aria-label="${esc(`${point.label}: ${show(value)}`)}">`
      + `<rect x="${(x + step * 0.15).toFixed(1)}" y="${y.toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${Math.max(1, tall).toFixed(1)}" rx="2"></rect>`
      + (value ? `<text x="${(x + step / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle">${esc(show(value))}</text>` : "")
      + `<text x="${(x + step / 2).toFixed(1)}" y="${height - 5}" text-anchor="middle">${esc(String(point.label).slice(0, 4))}</text></g>`;
  }).join("");
  const figure = el("figure", { class: "card chart-card" });
  figure.innerHTML = `<figcaption><h3>${esc(title)}</h3></figcaption>`
    + `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="list" aria-label="${esc(t("stats.chart_label", { title }))}">${columns}</svg>`;
  return figure;
}
