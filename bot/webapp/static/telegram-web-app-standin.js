/*
 * A local stand-in for Telegram's telegram-web-app.js, for tests and the sandbox (never shipped to
 * Telegram users: the page loads the script named by the setting WEBAPP_TELEGRAM_JS_URL).
 *
 * Like Telegram, it reads the launch parameters from the page URL's fragment:
 *   #tgWebAppData=<url-encoded initData>&tgWebAppThemeParams=<url-encoded JSON>
 * and exposes window.Telegram.WebApp with the parts the dashboard uses. The initData is passed
 * through untouched: the bot's server checks its signature, exactly as with Telegram's.
 */
(function () {
  "use strict";
  var launch = new URLSearchParams(window.location.hash.slice(1));
  var initData = launch.get("tgWebAppData") || "";
  var themeParams = {};
  try {
    themeParams = JSON.parse(launch.get("tgWebAppThemeParams") || "{}");
  } catch (e) {
    themeParams = {};
  }

  function parseInitData(raw) {
    var fields = {};
    new URLSearchParams(raw).forEach(function (value, key) {
      if (key === "user" || key === "receiver" || key === "chat") {
        try {
          fields[key] = JSON.parse(value);
        } catch (e) {
          fields[key] = null;
        }
      } else if (key === "auth_date") {
        fields[key] = Number(value);
      } else {
        fields[key] = value;
      }
    });
    return fields;
  }

  // Telegram sets the theme as CSS variables on the root element: --tg-theme-bg-color and so on.
  var root = document.documentElement;
  Object.keys(themeParams).forEach(function (name) {
    root.style.setProperty("--tg-theme-" + name.replace(/_/g, "-"), themeParams[name]);
  });

  function noop() {}
  function button() {
    return {
      text: "",
      isVisible: false,
      isActive: true,
      setText: function (text) { this.text = text; return this; },
      show: function () { this.isVisible = true; return this; },
      hide: function () { this.isVisible = false; return this; },
      enable: function () { this.isActive = true; return this; },
      disable: function () { this.isActive = false; return this; },
      onClick: function () { return this; },
      offClick: function () { return this; },
    };
  }

  window.Telegram = {
    WebApp: {
      initData: initData,
      initDataUnsafe: parseInitData(initData),
      version: "7.10",
      platform: "standin",
      colorScheme: themeParams.bg_color && /^#[0-3]/.test(themeParams.bg_color) ? "dark" : "light",
      themeParams: themeParams,
      isExpanded: true,
      ready: noop,
      expand: noop,
      close: noop,
      onEvent: noop,
      offEvent: noop,
      openLink: function (url) { window.open(url, "_blank", "noopener"); },
      openTelegramLink: function (url) { window.open(url, "_blank", "noopener"); },
      MainButton: button(),
      BackButton: button(),
      HapticFeedback: { impactOccurred: noop, notificationOccurred: noop, selectionChanged: noop },
    },
  };
})();
