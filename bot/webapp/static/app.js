// The dashboard (Telegram Mini App): who the user is decides the tabs; each tab is a view that
// loads its data from /app/api/. `?view=<tab>` opens a tab directly (links, tests).
import { api, el, failure, initData, loadTexts, me, notice, setZone, t, ApiError } from "./core.js";
import { activitiesView, myHoursView, myShiftsView } from "./volunteer.js";
import { callsView, coordActivitiesView } from "./coordinator.js";
import { exportsView, statsView } from "./reports.js";

const VIEWS = {
  coord_activities: coordActivitiesView,
  calls: callsView,
  stats: statsView,
  exports: exportsView,
  activities: activitiesView,
  my_shifts: myShiftsView,
  my_hours: myHoursView,
};
const COORDINATOR_TABS = ["coord_activities", "calls", "stats", "exports"];
const VOLUNTEER_TABS = ["activities", "my_shifts", "my_hours"];

const view = document.getElementById("view");
const tabList = document.getElementById("tabs");

async function open(name, { focus = false } = {}) {
  for (const tab of tabList.querySelectorAll("[role=tab]")) {
    const selected = tab.dataset.view === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  view.setAttribute("aria-labelledby", `tab-${name}`);
  view.setAttribute("aria-busy", "true");
  view.replaceChildren(el("p", { class: "muted", text: t("loading") }));
  document.getElementById("status").textContent = "";
  try {
    await VIEWS[name](view);
  } catch (error) {
    // Trying again helps when the connection failed, not when the answer was no.
    const again = !(error instanceof ApiError) || error.kind === "network";
    const retry = el("button", { type: "button", class: "secondary", text: t("retry"), onclick: () => open(name) });
    view.replaceChildren(notice(failure(error), { error: true }), ...(again ? [retry] : []));
  } finally {
    view.setAttribute("aria-busy", "false");
    document.body.dataset.view = name;
  }
}

function buildTabs(names) {
  tabList.setAttribute("aria-label", t("tabs.label"));
  tabList.replaceChildren(...names.map((name) => el("button", {
    type: "button", role: "tab", id: `tab-${name}`, "data-view": name, "aria-controls": "view",
    "aria-selected": "false", text: t(`tabs.${name}`), onclick: () => open(name),
  })));
  // Arrow keys move between the tabs (the ARIA tabs pattern); Tab goes into the view.
  tabList.addEventListener("keydown", (event) => {
    const tabs = [...tabList.querySelectorAll("[role=tab]")];
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step) {
      event.preventDefault();
      open(tabs[(index + step + tabs.length) % tabs.length].dataset.view, { focus: true });
    }
  });
  tabList.hidden = false;
}

async function start() {
  const app = window.Telegram?.WebApp;
  app?.ready?.();
  app?.expand?.();
  try {
    await loadTexts();
  } catch (error) {
    // Without texts there is no language to speak: show the API's own word.
    view.replaceChildren(notice(error instanceof ApiError ? error.message : String(error), { error: true }));
    view.setAttribute("aria-busy", "false");
    return;
  }
  document.title = t("title");
  document.getElementById("title").textContent = t("title");
  try {
    if (!initData) throw new ApiError(401, { error: "unauthorized" });
    Object.assign(me, await api("me"));
  } catch (error) {
    view.replaceChildren(notice(failure(error), { error: true }));
    document.body.dataset.view = "refused";
    view.setAttribute("aria-busy", "false");
    return;
  }
  document.getElementById("who").textContent = me.name || "";
  if (me.timezone) setZone(me.timezone);
  const coordinator = me.roles?.admin || (me.roles?.coordinator_teams || []).length > 0;
  const names = [...(coordinator ? COORDINATOR_TABS : []), ...VOLUNTEER_TABS];
  buildTabs(names);
  if (!me.roles?.volunteer && !coordinator) {
    document.getElementById("status").textContent = t("not_registered");
  }
  const asked = new URLSearchParams(window.location.search).get("view");
  // A view asked for by name opens even when it is not among the tabs: the server decides.
  await open(asked && VIEWS[asked] ? asked : names[0]);
}

start();
