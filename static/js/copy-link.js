// The staff page's one-time link: a Copy button (hidden until this script runs; without
// JavaScript the link is plain text to select and copy).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      function said(words) { if (status) { status.textContent = words; } }
      function selectIt() {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          said("Copied.");
        }, function () {
          selectIt();
          said("Selected: press Ctrl+C (or Cmd+C) to copy.");
        });
      } else {
        selectIt();
        said(document.execCommand && document.execCommand("copy")
          ? "Copied." : "Selected: press Ctrl+C (or Cmd+C) to copy.");
      }
    });
  });
})();
