// The volunteer's views: activities with open places (list and map, nearest first when the
// location is known), their shifts, their hours and star level.
import { announce, api, clock, day, duration, el, esc, number, t, when } from "./core.js";


/**
 * Where the user is: `?lat=&lon=` on the page's address (tests, links), else asked on demand from
 * Telegram's LocationManager when the app has it, else from the browser.
 */
export function locationFromPage() {
  const query = new URLSearchParams(window.location.search);
  const lat = parseFloat(query.get("lat"));
  const lon = parseFloat(query.get("lon"));
  return Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
}

function askLocation() {
  const manager = window.Telegram?.WebApp?.LocationManager;
  return new Promise((resolve) => {
    if (manager?.init) {
      manager.init(() => {
        if (!manager.isLocationAvailable) return resolve(null);
        manager.getLocation((data) =>
          resolve(data ? { lat: data.latitude, lon: data.longitude } : null));
      });
    } else if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(
        (position) => resolve({ lat: position.coords.latitude, lon: position.coords.longitude }),
        () => resolve(null),
        { timeout: 10000, maximumAge: 300000 },
      );
    } else {
      resolve(null);
    }
  });
}

function distanceText(metres) {
  if (metres == null) return null;
  if (metres < 1000) return t("activities.distance_m", { distance: number(Math.round(metres / 10) * 10) });
  return t("activities.distance_km", { distance: number(metres / 1000, 1) });
}

function openLink(url) {
  const app = window.Telegram?.WebApp;
  if (app?.openTelegramLink && /^https:\/\/t\.me\//.test(url)) app.openTelegramLink(url);
  else window.open(url, "_blank", "noopener");
}

function activityCard(activity) {
  const places = activity.open_places === 1
    ? t("activities.open_place")
    : t("activities.open_places", { count: number(activity.open_places) });
  const facts = [activity.theme, activity.district, activity.address].filter(Boolean).join(" · ");
  const distance = distanceText(activity.distance_m);
  const link = activity.link
    ? el("a", {
      class: "button", href: activity.link,
      onclick: (event) => { event.preventDefault(); openLink(activity.link); },
      text: t("activities.sign_up"),
    })
    : null;
  return el("li", { class: "card activity", "data-id": activity.id },
    el("h3", { text: activity.title }),
    el("p", { class: "meta", text: facts }),
    el("p", {},
      el("span", { class: "badge good", text: places }),
      distance ? " " : null,
      distance ? el("span", { class: "distance", text: distance }) : null),
    activity.next_shift
      ? el("p", { class: "meta", text: t("activities.next_shift", { when: when(activity.next_shift.start) }) })
      : null,
    link);
}

let map = null;

function drawMap(holder, activities, here) {
  const L = window.L;
  if (!L) return;
  if (map) map.remove();
  map = L.map(holder, { attributionControl: true });
  const tiles = document.querySelector('meta[name="volbot-tile-url"]')?.content || "";
  // Without a tile server the markers sit on a plain background (the deployment named none).
  if (tiles && !tiles.includes("{{")) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  const points = [];
  for (const activity of activities) {
    if (activity.lat == null || activity.lon == null) continue;
    const point = [activity.lat, activity.lon];
    points.push(point);
    L.marker(point, { title: activity.title, alt: activity.title, keyboard: true })
      .addTo(map)
      .bindPopup(`<strong>${esc(activity.title)}</strong><br>${esc(activity.address || "")}`);
  }
  if (here) {
    points.push([here.lat, here.lon]);
    L.circleMarker([here.lat, here.lon], { radius: 8, color: "#d33", fillOpacity: 0.8 })
      .addTo(map).bindTooltip(t("activities.you_are_here"));
  }
  if (points.length) map.fitBounds(points, { padding: [40, 40], maxZoom: 15 });
  else map.setView([31.23, 121.47], 11);
}

export async function activitiesView(view) {
  let here = locationFromPage();
  let mode = "list";
  const heading = el("h2", { text: t("activities.heading") });
  const order = el("p", { class: "muted", id: "order" });
  const list = el("ul", { class: "cards", id: "activities", "aria-labelledby": "activities-heading" });
  heading.id = "activities-heading";
  const mapHolder = el("div", { id: "map", role: "region", "aria-label": t("activities.map_label"), hidden: true });
  const listButton = el("button", { type: "button", "aria-pressed": "true", text: t("activities.list") });
  const mapButton = el("button", { type: "button", "aria-pressed": "false", text: t("activities.map") });
  const nearButton = el("button", { type: "button", class: "secondary", id: "near-me", text: t("activities.near_me") });
  let current = [];

  async function load() {
    const query = here ? `?lat=${here.lat}&lon=${here.lon}` : "";
    const answer = await api(`activities${query}`);
    current = answer.activities || [];
    const near = here && current.some((activity) => activity.distance_m != null);
    order.textContent = near ? t("activities.sorted_by_distance") : t("activities.sorted_by_date");
    list.replaceChildren(...current.map(activityCard));
    if (!current.length) list.replaceChildren(el("li", { class: "notice", text: t("activities.empty") }));
    if (mode === "map") drawMap(mapHolder, current, here);
  }

  function show(next) {
    mode = next;
    listButton.setAttribute("aria-pressed", String(next === "list"));
    mapButton.setAttribute("aria-pressed", String(next === "map"));
    list.hidden = next !== "list";
    mapHolder.hidden = next !== "map";
    if (next === "map") drawMap(mapHolder, current, here);
  }
  listButton.addEventListener("click", () => show("list"));
  mapButton.addEventListener("click", () => show("map"));
  nearButton.addEventListener("click", async () => {
    announce(t("activities.locating"));
    const found = await askLocation();
    if (!found) {
      announce(t("activities.location_denied"));
      return;
    }
    here = found;
    announce("");
    await load();
  });

  view.replaceChildren(
    heading,
    el("div", { class: "row" },
      el("div", { class: "segmented", role: "group", "aria-label": t("activities.view_label") }, listButton, mapButton),
      nearButton),
    order, list, mapHolder);
  await load();
}

const STATUSES = new Set(["confirmed", "waiting", "offered", "attended", "no_show", "cancelled"]);

export async function myShiftsView(view) {
  const answer = await api("my/shifts");
  const shifts = answer.shifts || [];
  const items = shifts.map((shift) => {
    const status = STATUSES.has(shift.status) ? t(`my_shifts.status_${shift.status}`) : shift.status;
    const detail = shift.status === "waiting" && shift.waiting_position
      ? t("my_shifts.waiting_position", { position: number(shift.waiting_position) })
      : status;
    return el("li", { class: "card" },
      el("h3", { text: shift.activity?.title ?? shift.activity ?? "" }),
      el("p", { class: "meta", text: `${when(shift.start)} – ${clock(shift.end)}` }),
      el("span", { class: `badge${shift.status === "no_show" ? " warn" : ""}`, text: detail }));
  });
  view.replaceChildren(
    el("h2", { text: t("my_shifts.heading") }),
    items.length ? el("ul", { class: "cards" }, ...items) : el("p", { class: "notice", text: t("my_shifts.empty") }));
}

export async function myHoursView(view) {
  const hours = await api("my/hours");
  const level = hours.star_level || 0;
  const levels = hours.star_levels || level + (hours.next_level ? 1 : 0);
  const stars = el("p", { class: "stars", "aria-label": level ? t("my_hours.stars_label", { level: number(level), levels: number(levels) }) : t("my_hours.no_stars") },
    "★".repeat(level) + "☆".repeat(Math.max(0, levels - level)));
  const next = hours.next_level
    ? t("my_hours.to_next", { duration: duration(hours.minutes_to_next) })
    : t("my_hours.top_level");
  const recent = (hours.recent || []).map((row) =>
    el("li", { class: "card" },
      el("h3", { text: row.title }),
      el("p", { class: "meta", text: [
        row.first_day === row.last_day ? day(row.first_day) : `${day(row.first_day)} – ${day(row.last_day)}`,
        duration(row.minutes),
        row.honour_minutes ? `${t("my_hours.honour")} ${duration(row.honour_minutes)}` : null,
      ].filter(Boolean).join(" · ") })));
  view.replaceChildren(
    el("h2", { text: t("my_hours.heading") }),
    el("div", { class: "card" },
      el("p", { class: "muted", text: t("my_hours.confirmed") }),
      el("p", { class: "figure", id: "confirmed-hours", text: duration(hours.confirmed_minutes) }),
      hours.honour_minutes ? el("p", { class: "muted", text: `${t("my_hours.honour")}: ${duration(hours.honour_minutes)}` }) : null,
      el("p", { class: "muted", text: t("my_hours.star_level") }),
      stars,
      el("p", { text: next })),
    el("p", { class: "notice", text: hours.certificate_available ? t("my_hours.certificate_ready") : t("my_hours.certificate_not_yet") }),
    el("h2", { text: t("my_hours.recent") }),
    recent.length ? el("ul", { class: "cards" }, ...recent) : el("p", { class: "muted", text: t("my_hours.recent_empty") }));
}
