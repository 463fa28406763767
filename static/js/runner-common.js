/* The lesson runner's shared pieces: run data, saved place, the channel between the two
   windows, the timer and the breathing pacer. Plain JavaScript, no build step, no network:
   everything the lesson needs is embedded in the page as JSON. */
(function () {
  "use strict";

  var STORAGE_PREFIX = "cmt-runner:v1:";
  var PACER_SMALL = 0.45;
  var PACER_LARGE = 1;

  function readRunData() {
    return JSON.parse(document.getElementById("run-data").textContent);
  }

  function stateKey(runKey) {
    return STORAGE_PREFIX + runKey;
  }

  function loadState(runKey) {
    try {
      var raw = window.localStorage.getItem(stateKey(runKey));
      return raw ? JSON.parse(raw) : null;
    } catch (error) {
      return null; // storage blocked or corrupt: start afresh
    }
  }

  function saveState(runKey, state) {
    try {
      window.localStorage.setItem(stateKey(runKey), JSON.stringify(state));
    } catch (error) {
      /* private mode or full: the lesson still runs, it just won't survive a reload */
    }
  }

  function clearState(runKey) {
    try {
      window.localStorage.removeItem(stateKey(runKey));
    } catch (error) {
      /* nothing to clear */
    }
  }

  /* Messages between the teacher's window and the pupil screen: a BroadcastChannel where
     the browser has one, otherwise "storage" events on a localStorage key (they reach every
     other window of this site). Either way, no server round trip. */
  function openChannel(runKey, onMessage) {
    var name = "cmt-runner:" + runKey;
    if (typeof window.BroadcastChannel === "function") {
      var channel = new window.BroadcastChannel(name);
      channel.addEventListener("message", function (event) {
        onMessage(event.data);
      });
      return {
        kind: "broadcast",
        post: function (message) {
          channel.postMessage(message);
        },
      };
    }
    var key = STORAGE_PREFIX + "message:" + runKey;
    var sent = 0;
    window.addEventListener("storage", function (event) {
      if (event.key !== key || !event.newValue) return;
      try {
        onMessage(JSON.parse(event.newValue).message);
      } catch (error) {
        /* ignore a garbled message */
      }
    });
    return {
      kind: "storage",
      post: function (message) {
        sent += 1;
        try {
          // A counter and the time make every write a change, so the event always fires.
          window.localStorage.setItem(key, JSON.stringify({ message: message, n: sent, at: Date.now() }));
        } catch (error) {
          /* storage unavailable: the other window cannot be reached */
        }
      },
    };
  }

  /* A timer is {durationMs, elapsedMs, running, since}: while running, the time since
     `since` (this window's clock) is added to elapsedMs. */
  function newTimer(seconds) {
    return { durationMs: seconds * 1000, elapsedMs: 0, running: false, since: 0 };
  }

  function timerElapsed(timer, now) {
    var elapsed = timer.elapsedMs + (timer.running ? Math.max(0, now - timer.since) : 0);
    return Math.min(elapsed, timer.durationMs);
  }

  function timerDone(timer, now) {
    return timerElapsed(timer, now) >= timer.durationMs;
  }

  function formatClock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  function easeInOut(progress) {
    return (1 - Math.cos(Math.PI * progress)) / 2;
  }

  /* Where a breathing practice is after `elapsedMs`: the phase, its count (1, 2, 3...) and
     the circle's scale. In for breatheIn seconds (growing), hold, out (shrinking). */
  function pacerAt(practice, elapsedMs) {
    var inMs = practice.breatheIn * 1000;
    var holdMs = (practice.hold || 0) * 1000;
    var outMs = practice.breatheOut * 1000;
    var t = elapsedMs % (inMs + holdMs + outMs);
    var range = PACER_LARGE - PACER_SMALL;
    if (t < inMs) {
      return {
        phase: "in",
        label: "Breathe in",
        count: Math.floor(t / 1000) + 1,
        scale: PACER_SMALL + range * easeInOut(t / inMs),
      };
    }
    if (t < inMs + holdMs) {
      return { phase: "hold", label: "Hold", count: Math.floor((t - inMs) / 1000) + 1, scale: PACER_LARGE };
    }
    var u = t - inMs - holdMs;
    return {
      phase: "out",
      label: "Breathe out",
      count: Math.floor(u / 1000) + 1,
      scale: PACER_LARGE - range * easeInOut(u / outMs),
    };
  }

  var motionQuery = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  function prefersReducedMotion() {
    return Boolean(motionQuery && motionQuery.matches);
  }

  /* Draws a step's timer and pacer into a practice panel; used by both windows. */
  function PracticeView(panel) {
    this.panel = panel;
    this.time = panel.querySelector("[data-timer-time]");
    this.state = panel.querySelector("[data-timer-state]");
    this.pacer = panel.querySelector("[data-pacer]");
    this.circle = panel.querySelector("[data-pacer-circle]");
    this.count = panel.querySelector("[data-pacer-count]");
    this.name = panel.querySelector("[data-practice-name]");
  }

  PracticeView.prototype.draw = function (step, timer, now) {
    var elapsed = timerElapsed(timer, now);
    var done = elapsed >= timer.durationMs;
    var started = elapsed > 0 || timer.running;
    var practice = step.practice;
    this.time.textContent = formatClock(timer.durationMs - elapsed);
    var stateText = done ? "Time is up. Well done." : timer.running ? "Running" : started ? "Paused" : "Ready";
    if (this.state.textContent !== stateText) this.state.textContent = stateText;
    this.panel.classList.toggle("is-done", done);
    this.panel.classList.toggle("is-running", timer.running && !done);
    if (this.name) this.name.textContent = practice ? practice.name : "";
    var breathing = Boolean(practice && practice.kind === "breathing");
    this.pacer.hidden = !breathing;
    if (!breathing) return;
    var countText;
    var scale = PACER_SMALL;
    if (done) {
      countText = "Let the breath go back to normal";
    } else if (!started) {
      countText = "Get comfortable";
    } else {
      var at = pacerAt(practice, elapsed);
      countText = at.label + " " + at.count;
      scale = at.scale;
    }
    if (this.count.textContent !== countText) this.count.textContent = countText;
    this.pacer.classList.toggle("is-paused", !timer.running);
    // The circle moves only for those who have not asked for less motion; the count still
    // changes. A custom property set through the CSSOM, which the CSP allows.
    if (!prefersReducedMotion()) {
      this.circle.style.setProperty("--pacer-scale", scale.toFixed(4));
    } else {
      this.circle.style.removeProperty("--pacer-scale");
    }
  };

  /* Calls `draw` on every animation frame while `active()` is true, and on a steady
     interval too so counts and timers keep going when frames are throttled. */
  function startLoop(draw, active) {
    var frameRequested = false;
    function frame() {
      frameRequested = false;
      draw();
      if (active()) request();
    }
    function request() {
      if (!frameRequested && !prefersReducedMotion()) {
        frameRequested = true;
        window.requestAnimationFrame(frame);
      }
    }
    window.setInterval(function () {
      draw();
      if (active()) request();
    }, 250);
    return request;
  }

  window.CMTRunner = {
    readRunData: readRunData,
    loadState: loadState,
    saveState: saveState,
    clearState: clearState,
    openChannel: openChannel,
    newTimer: newTimer,
    timerElapsed: timerElapsed,
    timerDone: timerDone,
    formatClock: formatClock,
    pacerAt: pacerAt,
    prefersReducedMotion: prefersReducedMotion,
    PracticeView: PracticeView,
    startLoop: startLoop,
  };
})();
