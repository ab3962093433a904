/* region27 embeds (comarquage). One file, two roles:
 * - inside a widget (<html data-region27-widget>): tell the host page our height;
 * - on a host page: turn <div data-region27-widget-src="https://…/integrer/…"> into an
 *   iframe, and resize every region27 iframe when its widget reports its height.
 * Messages are only accepted from the iframe's own window and origin. */
(function () {
  "use strict";
  var TYPE = "region27:height";
  var root = document.documentElement;

  if (root.hasAttribute("data-region27-widget")) {
    if (window.parent === window) { return; }
    var last = 0;
    var report = function () {
      var height = Math.ceil(root.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: TYPE, height: height, href: location.href }, "*");
      }
    };
    window.addEventListener("load", report);
    if ("ResizeObserver" in window) { new ResizeObserver(report).observe(root); }
    else { window.addEventListener("resize", report); }
    report();
    return;
  }

  if (window.region27Embed) { window.region27Embed.scan(); return; }

  var originOf = function (src) {
    try { return new URL(src, location.href).origin; } catch (e) { return null; }
  };

  var scan = function () {
    var holders = document.querySelectorAll("[data-region27-widget-src]:not([data-region27-ready])");
    Array.prototype.forEach.call(holders, function (holder) {
      var src = holder.getAttribute("data-region27-widget-src");
      if (!originOf(src)) { return; }
      var frame = document.createElement("iframe");
      frame.src = src;
      frame.title = holder.getAttribute("data-title") || holder.textContent.trim() || "region27";
      frame.setAttribute("data-region27-embed", "");
      frame.setAttribute("loading", "lazy");
      frame.style.border = "0";
      frame.style.width = "100%";
      frame.style.height = (holder.getAttribute("data-height") || "320") + "px";
      holder.setAttribute("data-region27-ready", "");
      holder.textContent = "";
      holder.appendChild(frame);
    });
  };

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== TYPE || typeof data.height !== "number") { return; }
    var frames = document.querySelectorAll("iframe[data-region27-embed]");
    Array.prototype.forEach.call(frames, function (frame) {
      if (frame.contentWindow === event.source && originOf(frame.src) === event.origin) {
        var height = Math.max(60, Math.min(Math.round(data.height), 5000));
        frame.style.height = height + "px";
        frame.setAttribute("height", String(height));
      }
    });
  });

  window.region27Embed = { scan: scan };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); }
  else { scan(); }
})();
