/* The pupils' view for the projector: follows the teacher's window (BroadcastChannel, or
   localStorage events where there is none), shows the step's pupil text, the timer and the
   breathing pacer, and goes black when the teacher blacks it out. Keys pressed here are
   passed to the teacher's window, so either window can drive the lesson. */
(function () {
  "use strict";

  var R = window.CMTRunner;
  var root = document.querySelector("[data-pupil-screen]");
  if (!R || !root) return;

  var data = R.readRunData();
  var steps = data.steps;
  var sections = root.querySelectorAll(".pupil-step[data-step]");
  var panel = root.querySelector("[data-practice-panel]");
  var blackout = root.querySelector("[data-blackout]");
  var practice = new R.PracticeView(panel);

  // This window's copy of the run: the timer's `since` is on this window's clock.
  var view = { step: 0, blackout: false, timer: R.newTimer(steps[0].timerSeconds) };

  function adopt(shared, now) {
    if (!shared || typeof shared.step !== "number" || !steps[shared.step]) return;
    var timer = shared.timer || {};
    view = {
      step: shared.step,
      blackout: Boolean(shared.blackout),
      timer: {
        durationMs: Number(timer.durationMs) || steps[shared.step].timerSeconds * 1000,
        elapsedMs: Number(timer.elapsedMs) || 0,
        running: Boolean(timer.running),
        since: now,
      },
    };
  }

  // Before the teacher's window answers, start from the place it saved.
  var saved = R.loadState(data.runKey);
  if (saved && saved.lessonKey === data.lessonKey && saved.stepCount === steps.length) {
    var now = Date.now();
    adopt(
      {
        step: saved.step,
        blackout: saved.blackout,
        timer: {
          durationMs: saved.timer.durationMs,
          elapsedMs: R.timerElapsed(saved.timer, now),
          running: saved.timer.running,
        },
      },
      now
    );
  }

  var channel = R.openChannel(data.runKey, function (message) {
    if (message && message.type === "state") {
      adopt(message.state, Date.now());
      render();
      requestFrame();
    }
  });

  function showsPractice(now) {
    var step = steps[view.step];
    return Boolean(step.practice) || view.timer.running || R.timerElapsed(view.timer, now) > 0;
  }

  function render() {
    var now = Date.now();
    for (var i = 0; i < sections.length; i += 1) {
      sections[i].hidden = Number(sections[i].getAttribute("data-step")) !== view.step;
    }
    blackout.hidden = !view.blackout;
    document.body.classList.toggle("is-blacked-out", view.blackout);
    draw(now);
    fitToScreen();
  }

  function draw(now) {
    var hidden = !showsPractice(now);
    var changed = panel.hidden !== hidden;
    panel.hidden = hidden;
    practice.draw(steps[view.step], view.timer, now);
    if (changed) fitToScreen();
  }

  // Long words beside a picture (or the practice) may not fit the projector at the usual
  // size: shrink the step's words a little at a time, never below 60%, until all of it fits.
  function fitToScreen() {
    var page = document.documentElement;
    var fit = 1;
    root.style.setProperty("--fit", "1");
    while (fit > 0.6 && page.scrollHeight > window.innerHeight + 1) {
      fit -= 0.05;
      root.style.setProperty("--fit", fit.toFixed(2));
    }
  }

  window.addEventListener("resize", fitToScreen);
  // A picture takes its room only once it has loaded.
  root.querySelectorAll("img").forEach(function (picture) {
    picture.addEventListener("load", fitToScreen);
  });

  var requestFrame = R.startLoop(
    function () {
      draw(Date.now());
    },
    function () {
      return view.timer.running;
    }
  );

  function toggleFullScreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        /* refused (e.g. not from a user action): the window stays as it is */
      });
    }
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (button && button.getAttribute("data-action") === "fullscreen") toggleFullScreen();
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var commands = {
      ArrowRight: "next",
      PageDown: "next",
      " ": "next",
      ArrowLeft: "prev",
      PageUp: "prev",
      t: "timer",
      T: "timer",
      r: "reset-timer",
      R: "reset-timer",
      b: "blackout",
      B: "blackout",
      ".": "blackout",
    };
    if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFullScreen();
      return;
    }
    var name = commands[event.key];
    if (!name) return;
    if (name === "next" && event.key === " " && event.target.closest && event.target.closest("button")) return;
    event.preventDefault();
    channel.post({ type: "command", name: name });
  });

  window.addEventListener("pagehide", function () {
    channel.post({ type: "bye" });
  });

  render();
  channel.post({ type: "hello" });
  if (view.timer.running) requestFrame();
})();
