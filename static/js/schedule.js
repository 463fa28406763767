// Schedule form: say, as the teacher ticks weekdays, how many lessons a week that makes,
// so a second ticked day is never a surprise. Without JavaScript the preview says it.
(function () {
  "use strict";
  var summary = document.querySelector("[data-weekly-summary]");
  var boxes = document.querySelectorAll("input[name='weekdays']");
  if (!summary || !boxes.length) { return; }
  function names(days) {
    if (days.length === 1) { return days[0]; }
    return days.slice(0, -1).join(", ") + " and " + days[days.length - 1];
  }
  function update() {
    var days = [];
    boxes.forEach(function (box) {
      if (box.checked) { days.push(box.labels[0].textContent.trim() + "s"); }
    });
    summary.textContent = "";
    if (!days.length) { return; }
    var words = days.length === 1
      ? "1 lesson a week, on " + days[0] + "."
      : days.length + " lessons a week: " + names(days) + ". Most classes have one a week.";
    var strong = document.createElement("strong");
    strong.textContent = words;
    summary.appendChild(strong);
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
})();
