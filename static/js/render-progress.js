// A download that is not made yet: ask again every few seconds, without reloading the page
// (a screen reader is not sent back to the top each time), and fetch the file once it is
// ready. Without JavaScript the page refreshes itself instead (the <noscript> refresh).
(function () {
  "use strict";
  const box = document.querySelector("[data-render-progress]");
  if (!box) return;
  const every = (Number(box.dataset.seconds) || 3) * 1000;
  const status = box.querySelector("[role=status]");
  const ready = box.querySelector("[data-ready]");

  async function checkAgain() {
    let response;
    try {
      response = await fetch(box.dataset.waitUrl, { credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      window.setTimeout(checkAgain, every); // offline for a moment: keep asking
      return;
    }
    if (response.status === 200) {
      box.querySelector("h1").textContent = box.dataset.readyHeading;
      status.textContent = "It is ready. Your download should start by itself.";
      ready.hidden = false;
      window.location.assign(box.dataset.fileUrl);
    } else if (response.status === 202) {
      window.setTimeout(checkAgain, every);
    } else {
      window.location.assign(box.dataset.waitUrl); // the page that says what went wrong
    }
  }

  window.setTimeout(checkAgain, every);
})();
