// Lesson plan page: a "Print this plan" button (hidden until this script runs).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
