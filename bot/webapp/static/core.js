// The dashboard's plumbing: the API client (Telegram's initData on every call), the texts of the
// user's language, formatting, and small DOM helpers. No framework: views build their HTML here.

const webApp = window.Telegram?.WebApp;
export const initData = webApp?.initData || "";

/** An API answer that was not 2xx: `kind` is what the page tells the user. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.kind =
      status === 401 ? "unauthorized"
        : status === 403 ? "forbidden"
          : status === 404 ? "not_found"
            : status === 400 ? "bad_input"
              : "network";
  }
}

/** Calls the bot's API under /app/api/ with `Authorization: tma <initData>`. */
export async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = { Authorization: `tma ${initData}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`api/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    throw new ApiError(response.status, payload);
  }
  return raw ? response : response.json();
}

let texts = {};
/** Who opened the page (`GET /app/api/me`): their name, language and roles. */
export const me = { roles: {} };
export let language = "zh-CN";

function flatten(tree, prefix, into) {
  for (const [key, value] of Object.entries(tree || {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object") flatten(value, name, into);
    else into[name.replace(/^dashboard\./, "")] = String(value);
  }
  return into;
}

/** Loads the texts: the user's language when initData is valid, else Telegram's language code. */
export async function loadTexts() {
  const code = webApp?.initDataUnsafe?.user?.language_code || navigator.language || "";
  const answer = await api(`texts?lang=${encodeURIComponent(code)}`);
  language = answer.language || language;
  texts = flatten(answer.texts, "", {});
  document.documentElement.lang = language;
}

/** The text `key` with `{name}` placeholders filled (the key itself if missing, to be seen). */
export function t(key, params = {}) {
  const template = texts[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
}

/** Hours and minutes, e.g. "3 h 15 min" / "3小时15分钟". */
export function duration(minutes) {
  const total = Math.max(0, Math.round(minutes || 0));
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (hours && rest) return t("hours.duration", { hours: number(hours), minutes: number(rest) });
  if (hours) return t("hours.duration_hours", { hours: number(hours) });
  return t("hours.duration_minutes", { minutes: number(rest) });
}

// Times come as ISO 8601; the page shows them in the deployment's time zone (`/me` names it),
// like the chat does, whatever the phone's zone; without a zone, the wall-clock time as sent.
let zone = null;
export function setZone(name) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    zone = name;
  } catch (error) {
    zone = null;
  }
}

function moment(iso) {
  if (zone) {
    const date = new Date(iso || "");
    return Number.isNaN(date.getTime()) ? null : { date, timeZone: zone };
  }
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d))?/.exec(iso || "");
  if (!match) return null;
  const [, y, mo, d, h = "0", mi = "0"] = match;
  return { date: new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi)), timeZone: "UTC" };
}

function formatted(iso, options) {
  const found = moment(iso);
  if (!found) return t("none");
  return new Intl.DateTimeFormat(language, { timeZone: found.timeZone, hourCycle: "h23", ...options })
    .format(found.date);
}

export const when = (iso) =>
  formatted(iso, { month: "short", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit" });
export const clock = (iso) => formatted(iso, { hour: "2-digit", minute: "2-digit" });
// A calendar day ("2026-01-06") is a day wherever one is.
export const day = (iso) => {
  const only = /^\d{4}-\d\d-\d\d$/.test(iso || "");
  const found = only ? { date: new Date(`${iso}T00:00:00Z`), timeZone: "UTC" } : moment(iso);
  if (!found) return t("none");
  return new Intl.DateTimeFormat(language, { timeZone: found.timeZone, month: "short", day: "numeric" }).format(found.date);
};

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Text made safe for HTML (names and titles come from users). */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value == null) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    // Through the CSSOM: the page's Content-Security-Policy refuses inline `style` attributes.
    else if (name === "style") Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

const statusLine = () => document.getElementById("status");

/** Says something in the live region (screen readers announce it). */
export function announce(message, { error = false } = {}) {
  const line = statusLine();
  line.textContent = message;
  line.classList.toggle("error", error);
}

/** The polite sentence for an API failure. */
export function failure(error) {
  if (!(error instanceof ApiError)) return t("error_network");
  if (error.kind === "bad_input") return t("error_bad_input", { detail: error.body.error || "" });
  return t(`error_${error.kind}`);
}

/** A notice in place of a view's content, e.g. a refusal. */
export function notice(message, { error = false } = {}) {
  return el("div", { class: `notice${error ? " error" : ""}`, role: error ? "alert" : null, text: message });
}

/**
 * Asks in the page's dialog; resolves to the form's values on OK, or null on Cancel. `validate`
 * may return an error text to keep the dialog open.
 */
export function ask({ title, body, ok, validate }) {
  const dialog = document.getElementById("dialog");
  document.getElementById("dialog-title").textContent = title;
  const holder = document.getElementById("dialog-body");
  holder.replaceChildren(...(Array.isArray(body) ? body : [body]));
  const error = document.getElementById("dialog-error");
  error.textContent = "";
  document.getElementById("dialog-form").oninput = () => { error.textContent = ""; };
  const okButton = document.getElementById("dialog-ok");
  const cancelButton = document.getElementById("dialog-cancel");
  okButton.textContent = ok;
  cancelButton.textContent = t("cancel");
  return new Promise((resolve) => {
    const form = document.getElementById("dialog-form");
    const finish = (value) => {
      form.removeEventListener("submit", submit);
      cancelButton.removeEventListener("click", cancel);
      dialog.removeEventListener("cancel", cancel);
      dialog.close();
      resolve(value);
    };
    const submit = (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      const problem = validate ? validate(values) : null;
      if (problem) {
        error.textContent = problem;
        return;
      }
      finish(values);
    };
    const cancel = (event) => {
      event?.preventDefault();
      finish(null);
    };
    form.addEventListener("submit", submit);
    cancelButton.addEventListener("click", cancel);
    dialog.addEventListener("cancel", cancel);
    dialog.showModal();
    (holder.querySelector("input") || okButton).focus();
  });
}
