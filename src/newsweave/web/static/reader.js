// newsweave reader: small progressive enhancement. Every page works without it.
// - Citation markers: a tap (or a click) opens the source sentence and keeps it open; a second one
//   follows the link to the source list. Escape or a click elsewhere closes it.
// - Times: the exact time on hover is shown in the reader's own time zone.
(function () {
  "use strict";
  var open = null;

  function close() {
    if (open) {
      open.classList.remove("is-open");
      open.querySelector("a").setAttribute("aria-expanded", "false");
      open = null;
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".cite > a") : null;
    if (!link) {
      if (!(event.target.closest && event.target.closest(".pop"))) close();
      return;
    }
    var cite = link.parentNode;
    if (cite === open) { close(); return; }  // second activation: follow the link to the source list
    close();
    event.preventDefault();
    cite.classList.add("is-open");
    cite.classList.remove("is-closed");
    link.setAttribute("aria-expanded", "true");
    open = cite;
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var cite = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".cite") : null;
    if (cite) cite.classList.add("is-closed");
    close();
  });

  document.addEventListener("focusout", function (event) {
    var cite = event.target.closest ? event.target.closest(".cite") : null;
    if (cite) cite.classList.remove("is-closed");
  });

  var times = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i++) {
    var when = new Date(times[i].getAttribute("datetime"));
    if (!isNaN(when)) {
      times[i].title = when.toLocaleString(undefined, {
        weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short"
      });
    }
  }
})();
