// The coordinator's views: activities and shifts with fill, calls with pause and resume.
// The roster is in roster.js, statistics and exports in reports.js.
import { announce, api, clock, el, failure, notice, number, t, when } from "./core.js";
import { rosterView } from "./roster.js";

function fillMeter(fill) {
  const capacity = fill.capacity || 0;
  const percent = capacity ? Math.min(100, Math.round((100 * (fill.confirmed || 0)) / capacity)) : 0;
  return el("div", {
    class: "meter", role: "meter", "aria-valuemin": "0", "aria-valuemax": String(capacity),
    "aria-valuenow": String(fill.confirmed || 0),
    "aria-label": t("coord.fill", { confirmed: number(fill.confirmed || 0), waiting: number(fill.waiting || 0), left: number(fill.places_left || 0) }),
  }, el("span", { style: { width: `${percent}%` } }));
}

export async function coordActivitiesView(view) {
  const answer = await api("coord/activities");
  const activities = answer.activities || [];
  const show = async () => {
    try {
      await coordActivitiesView(view);
    } catch (error) {
      view.replaceChildren(notice(failure(error), { error: true }));
    }
  };
  const cards = activities.map((activity) => el("li", { class: "card" },
    el("h3", { text: activity.title }),
    activity.team ? el("p", { class: "meta", text: t("coord.team", { team: activity.team.name ?? activity.team }) }) : null,
    el("ul", { class: "cards" }, ...(activity.shifts || []).map((shift) => {
      const fill = shift.fill || shift;
      const left = fill.places_left || 0;
      return el("li", { class: "shift" },
        el("div", { class: "row" },
          el("strong", { class: "grow", text: `${when(shift.start)}–${clock(shift.end)}` }),
          el("button", {
            type: "button", class: "small", "data-shift": shift.id,
            "aria-label": `${t("coord.open_roster")}: ${activity.title} ${when(shift.start)}`,
            text: t("coord.open_roster"),
            onclick: async () => {
              try {
                await rosterView(view, shift.id, show);
                view.focus();
              } catch (error) {
                announce(failure(error), { error: true });
              }
            },
          })),
        fillMeter(fill),
        el("p", { class: "meta", text: left ? t("coord.fill", { confirmed: number(fill.confirmed || 0), waiting: number(fill.waiting || 0), left: number(left) }) : `${t("coord.full")} · ${t("coord.fill", { confirmed: number(fill.confirmed || 0), waiting: number(fill.waiting || 0), left: number(0) })}` }));
    }))));
  view.replaceChildren(
    el("h2", { text: t("coord.heading") }),
    cards.length ? el("ul", { class: "cards" }, ...cards) : el("p", { class: "notice", text: t("coord.empty") }));
}

const CALL_STATUSES = new Set(["draft", "held", "scheduled", "running", "paused", "done", "cancelled"]);

export async function callsView(view) {
  const answer = await api("coord/broadcasts");
  const calls = answer.broadcasts || [];
  const items = calls.map((call) => {
    const total = call.total || 0;
    const sent = call.sent || 0;
    const status = CALL_STATUSES.has(call.status) ? t(`calls.status_${call.status}`) : call.status;
    const act = async (what) => {
      try {
        await api(`coord/broadcasts/${encodeURIComponent(call.id)}/${what}`, { method: "POST" });
        await callsView(view);
        announce(t(what === "pause" ? "calls.paused_done" : "calls.resumed_done"));
      } catch (error) {
        announce(failure(error), { error: true });
      }
    };
    // The same states the chat's buttons allow (models/broadcasts/control.py); the server decides.
    const canPause = call.may_control && ["running", "scheduled"].includes(call.status);
    const canResume = call.may_control && call.status === "paused";
    return el("li", { class: "card call" },
      el("h3", { class: "call-text", text: (call.text || "").slice(0, 140) }),
      el("p", { class: "meta", text: status }),
      el("div", { class: "meter", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(total), "aria-valuenow": String(sent) },
        el("span", { style: { width: `${total ? Math.round((100 * sent) / total) : 0}%` } })),
      el("p", { class: "meta", text: t("calls.progress", { sent: number(sent), total: number(total) }) }),
      el("div", { class: "row" },
        canPause ? el("button", { type: "button", class: "small", text: t("calls.pause"), onclick: () => act("pause") }) : null,
        canResume ? el("button", { type: "button", class: "small", text: t("calls.resume"), onclick: () => act("resume") }) : null));
  });
  view.replaceChildren(
    el("h2", { text: t("calls.heading") }),
    items.length ? el("ul", { class: "cards" }, ...items) : el("p", { class: "notice", text: t("calls.empty") }));
}
