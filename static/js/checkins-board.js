// The board's live answer count: ask the server every few seconds (count only).
// Without JavaScript the page refreshes itself instead (a <noscript> refresh).
(function () {
  "use strict";
  var counter = document.getElementById("answer-count");
  if (!counter || !window.fetch) {
    return;
  }
  var url = counter.getAttribute("data-count-url");
  var everyMs = 3000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && typeof data.count === "number") {
          if (counter.textContent !== String(data.count)) {
            counter.textContent = String(data.count);
          }
          if (!data.open) {
            // Closed (by time or elsewhere): reload to show the closed board.
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, everyMs);
      })
      .catch(function () {
        window.setTimeout(poll, everyMs * 3);
      });
  }

  window.setTimeout(poll, everyMs);
})();
