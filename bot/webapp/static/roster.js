// A shift's roster for its coordinator: check-in state, no-shows, phones; sortable and searchable;
// hours confirmed one by one or all at once, or changed with a reason. Built for 1,000 rows: the
// rows are rendered as one HTML string per change (no per-row DOM work), and the table listens
// for clicks once.
import { announce, api, clock, duration, el, esc, failure, number, t, ask } from "./core.js";

const COLUMNS = [
  { key: "name", label: "roster.name", value: (p) => (p.name || "").toLocaleLowerCase() },
  { key: "phone", label: "roster.phone", value: (p) => p.phone || "" },
  { key: "status", label: "roster.status", value: (p) => `${p.no_show ? 0 : 1}${p.status}` },
  { key: "check_in", label: "roster.check_in", value: (p) => p.checked_in_at || "~" },
  { key: "hours", label: "roster.hours", value: (p) => p.minutes ?? -1 },
];

// What Confirm all confirms (models/attendance/hours_review.confirm_all): checked out, not
// flagged for a look, not yet confirmed.
const waiting = (person) => Boolean(person.checked_out_at) && !person.flagged && !person.hours_confirmed;

function statusText(person) {
  const key = `my_shifts.status_${person.status}`;
  const text = t(key);
  return text === key ? person.status : text;
}

function rowHtml(person) {
  const checkIn = person.checked_in_at
    ? [t("roster.checked_in_at", { time: clock(person.checked_in_at) }),
      person.checked_out_at ? t("roster.checked_out_at", { time: clock(person.checked_out_at) }) : ""]
      .filter(Boolean).join(" · ")
    : t("roster.not_checked_in");
  const status = person.no_show
    ? `<span class="badge warn">${esc(t("roster.no_show"))}</span>`
    : esc(statusText(person));
  const phone = person.phone
    ? `<a href="tel:${esc(person.phone)}">${esc(person.phone)}</a>` : esc(t("none"));
  let actions = "";
  if (person.hours_confirmed) {
    actions = `<span class="badge good">${esc(t("roster.confirmed"))}</span> `;
  } else if (waiting(person) || (person.flagged && !person.hours_confirmed)) {
    actions = `<button type="button" class="small" data-act="confirm" aria-label="${esc(`${t("roster.confirm")}: ${person.name}`)}">${esc(t("roster.confirm"))}</button> `;
  }
  if (person.checked_out_at) {
    actions += `<button type="button" class="small secondary" data-act="change" aria-label="${esc(`${t("roster.change")}: ${person.name}`)}">${esc(t("roster.change"))}</button>`;
  }
  return `<tr data-signup="${esc(person.signup_id)}"${person.no_show ? ' class="no-show"' : ""}>`
    + `<td>${esc(person.name)}</td><td class="num">${phone}</td><td>${status}</td>`
    + `<td>${esc(checkIn)}</td><td class="num">${person.checked_out_at ? esc(duration(person.minutes)) : esc(t("none"))}${person.flagged ? ` <span class="badge warn">${esc(t("roster.flagged"))}</span>` : ""}</td>`
    + `<td class="num">${actions}</td></tr>`;
}

export async function rosterView(view, shiftId, back) {
  const answer = await api(`coord/shifts/${encodeURIComponent(shiftId)}/roster`);
  const people = answer.people || [];
  const bySignup = new Map(people.map((person) => [String(person.signup_id), person]));
  let sort = { key: "name", direction: 1 };
  // Names as people read them: 王 by pinyin in Chinese, "Volunteer 2" before "Volunteer 10".
  const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
  const order = (x, y) =>
    typeof x === "string" && typeof y === "string" ? collator.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
  let query = "";

  const search = el("input", { type: "search", id: "roster-search", autocomplete: "off" });
  const count = el("p", { class: "muted", id: "roster-count", "aria-live": "polite" });
  const confirmAll = el("button", { type: "button", id: "confirm-all" });
  const head = el("tr");
  const body = el("tbody", { id: "roster-rows" });
  const table = el("table", { "aria-labelledby": "roster-heading" },
    el("thead", {}, head), body);

  function renderHead() {
    head.replaceChildren(...COLUMNS.map((column) => {
      const sorted = sort.key === column.key;
      return el("th", { scope: "col", "aria-sort": sorted ? (sort.direction > 0 ? "ascending" : "descending") : "none" },
        el("button", {
          type: "button", "data-sort": column.key,
          "aria-label": t("roster.sort_by", { column: t(column.label) }),
          text: `${t(column.label)}${sorted ? (sort.direction > 0 ? " ▲" : " ▼") : ""}`,
          onclick: () => {
            sort = { key: column.key, direction: sorted ? -sort.direction : 1 };
            renderHead();
            renderRows();
          },
        }));
    }), el("th", { scope: "col", text: t("roster.actions") }));
  }

  function renderRows() {
    const needle = query.trim().toLocaleLowerCase();
    const shown = needle
      ? people.filter((p) => (p.name || "").toLocaleLowerCase().includes(needle) || (p.phone || "").includes(needle))
      : people.slice();
    const column = COLUMNS.find((c) => c.key === sort.key);
    // Each row's key once (not twice per comparison): 1,000 rows sort in a few milliseconds.
    const keyed = shown.map((person) => [column.value(person), person]);
    keyed.sort(([x], [y]) => order(x, y) * sort.direction);
    body.innerHTML = keyed.map(([, person]) => rowHtml(person)).join("");
    count.textContent = t("roster.count", { shown: number(shown.length), total: number(people.length) });
    const open = people.filter(waiting).length;
    confirmAll.textContent = open ? t("roster.confirm_all", { count: number(open) }) : t("roster.nothing_to_confirm");
    confirmAll.disabled = !open;
  }

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { query = search.value; renderRows(); }, 120);
  });

  async function confirm(body, done) {
    try {
      await api(`coord/shifts/${encodeURIComponent(shiftId)}/hours/confirm`, { method: "POST", body });
      done();
      renderRows();
    } catch (error) {
      announce(failure(error), { error: true });
    }
  }

  confirmAll.addEventListener("click", async () => {
    const open = people.filter(waiting);
    const yes = await ask({
      title: t("roster.confirm_all_title"),
      body: el("p", { text: t("roster.confirm_all_body", { count: number(open.length) }) }),
      ok: t("roster.confirm_all_yes"),
    });
    if (!yes) return;
    await confirm({ all: true }, () => {
      for (const person of open) person.hours_confirmed = true;
      announce(t("roster.confirmed_done", { count: number(open.length) }));
    });
  });

  async function change(person) {
    const minutes = el("input", { type: "number", name: "minutes", id: "change-minutes", min: "0", max: "1440", required: true, value: person.minutes ?? 0 });
    const reason = el("input", { type: "text", name: "reason", id: "change-reason", maxlength: "200" });
    const values = await ask({
      title: t("roster.change_title", { name: person.name }),
      body: [el("label", { for: "change-minutes", text: t("roster.change_minutes") }), minutes,
        el("label", { for: "change-reason", text: t("roster.change_reason") }), reason],
      ok: t("save"),
      validate: (v) => (v.reason.trim() ? null : t("roster.change_reason_missing")),
    });
    if (!values) return;
    try {
      const row = await api(`coord/signups/${encodeURIComponent(person.signup_id)}/hours`, {
        method: "POST", body: { minutes: Number(values.minutes), reason: values.reason.trim() },
      });
      Object.assign(person, row && typeof row === "object" ? row : { minutes: Number(values.minutes) });
      renderRows();
      announce(t("roster.changed", { name: person.name }));
    } catch (error) {
      announce(failure(error), { error: true });
    }
  }

  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const person = bySignup.get(button.closest("tr").dataset.signup);
    if (button.dataset.act === "confirm") {
      confirm({ signup_ids: [person.signup_id] }, () => {
        person.hours_confirmed = true;
        announce(t("roster.confirmed_one", { name: person.name }));
      });
    } else {
      change(person);
    }
  });

  const shift = answer.shift || {};
  const title = [shift.activity?.title ?? shift.activity, shift.start ? `${clock(shift.start)}–${clock(shift.end)}` : null]
    .filter(Boolean).join(" · ");
  view.replaceChildren(
    el("button", { type: "button", class: "secondary", id: "roster-back", text: t("roster.back"), onclick: back }),
    el("h2", { id: "roster-heading", text: t("roster.heading", { shift: title }) }),
    el("label", { for: "roster-search", text: t("roster.search") }), search,
    el("div", { class: "row" }, el("span", { class: "grow" }, count), confirmAll),
    el("div", { class: "table-wrap" }, table));
  renderHead();
  renderRows();
}
