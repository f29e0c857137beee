// The coordinator's figures (the /stats figures as charts) and downloads (the /export files), of
// all their teams or one; the server decides what they may see.
import { announce, api, duration, el, failure, me, number, t } from "./core.js";
import { barChart, columnChart } from "./charts.js";

const hours = (minutes) => number((minutes || 0) / 60, 1);

function month(iso, options = { month: "short" }) {
  const date = new Date(`${String(iso).slice(0, 7)}-01T00:00:00Z`);
  return new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: "UTC", ...options }).format(date);
}
const monthOfYear = (iso) => month(iso, { month: "short", year: "numeric" });

/** A labelled <select> of their teams; `all` first when it may be asked for. */
function teamChoice(id, label, all) {
  const teams = me.roles?.coordinator_teams || [];
  const choice = el("select", { id },
    all ? el("option", { value: "", text: all }) : null,
    ...teams.map((team) => el("option", { value: String(team.id), text: team.name })));
  return { choice, field: el("div", { hidden: choice.options.length < 2 }, el("label", { for: id, text: label }), choice) };
}

function figure(label, value) {
  return el("div", { class: "card" }, el("p", { class: "muted", text: label }), el("p", { class: "figure", text: value }));
}

async function drawStats(holder, team) {
  const stats = await api(`coord/stats${team ? `?team=${encodeURIComponent(team)}` : ""}`);
  const service = stats.service || {};
  const months = stats.months || [];
  const charts = [
    columnChart(t("stats.chart_months_hours"), months.map((m) => ({ label: month(m.month), value: (m.credited_minutes || 0) / 60 }))),
    columnChart(t("stats.chart_months_participations"), months.map((m) => ({ label: month(m.month), value: m.participations })), number),
  ];
  if ((stats.themes || []).length) {
    charts.push(barChart(t("stats.chart_themes"), stats.themes.map((line) => ({ label: line.name, value: (line.credited_minutes || 0) / 60 }))));
  }
  if ((stats.teams || []).length > 1) {
    charts.push(barChart(t("stats.chart_teams"), stats.teams.map((line) => ({ label: line.name, value: (line.credited_minutes || 0) / 60 }))));
  }
  holder.replaceChildren(
    el("p", { class: "muted", text: t("stats.period", { first: monthOfYear(stats.first_month), last: monthOfYear(stats.last_month) }) }),
    el("div", { class: "figures" },
      figure(t("stats.registered"), number(stats.volunteers?.registered || 0)),
      figure(t("stats.new_volunteers"), number(stats.volunteers?.new || 0)),
      figure(t("stats.participations"), number(service.participations || 0)),
      figure(t("stats.volunteers_served"), number(service.volunteers || 0)),
      figure(t("stats.credited"), duration(service.credited_minutes)),
      figure(t("stats.honour"), duration(service.honour_minutes))),
    ...charts);
}

export async function statsView(view) {
  // "All my teams" is worth a choice only with two teams or more.
  const several = (me.roles?.coordinator_teams || []).length > 1;
  const { choice, field } = teamChoice("stats-team", t("stats.team"), several ? t("stats.all_teams") : null);
  const holder = el("div", { id: "stats" });
  choice.addEventListener("change", async () => {
    try {
      await drawStats(holder, choice.value);
    } catch (error) {
      announce(failure(error), { error: true });
    }
  });
  await drawStats(holder, "");
  view.replaceChildren(el("h2", { text: t("stats.heading") }), field, holder);
}

async function download(query) {
  try {
    const response = await api(`coord/export?${new URLSearchParams(query)}`, { raw: true });
    const disposition = response.headers.get("Content-Disposition") || "";
    const file = /filename="?([^";]+)"?/i.exec(disposition)?.[1] || `${query.kind}.${query.format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: file });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce(t("exports.downloaded", { file }));
  } catch (error) {
    announce(failure(error), { error: true });
  }
}

const PERIODS = ["this_month", "last_month", "this_year", "last_year"];

export function exportsView(view) {
  // All teams at once is an admin's export only (the chat's rule).
  const { choice, field } = teamChoice("export-team", t("exports.team"), me.roles?.admin ? t("exports.all_teams") : null);
  const period = el("select", { id: "export-period" },
    ...PERIODS.map((name) => el("option", { value: name, text: t(`exports.period_${name}`) })));
  const card = (kind, ...extra) => el("div", { class: "card" },
    el("h3", { text: t(`exports.${kind}`) }),
    ...extra,
    el("div", { class: "row" }, ...["xlsx", "csv"].map((format) => el("button", {
      type: "button", class: format === "csv" ? "secondary" : null, "data-export": `${kind}-${format}`,
      "aria-label": t("exports.download", { what: t(`exports.${kind}`), format: t(`exports.${format}`) }),
      text: t(`exports.${format}`),
      onclick: () => download({
        kind, format, ...(choice.value ? { team: choice.value } : {}), ...(kind === "records" ? { period: period.value } : {}),
      }),
    }))));
  view.replaceChildren(
    el("h2", { text: t("exports.heading") }),
    el("p", { class: "muted", text: t("exports.intro") }),
    field,
    el("div", { class: "cards" },
      card("volunteers"),
      card("records", el("label", { for: "export-period", text: t("exports.period") }), period)));
}
