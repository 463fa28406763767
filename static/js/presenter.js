/* The teacher's view of a lesson run: one step at a time, keyboard first, with the pupil
   screen (a second window) kept on the same step. The place is kept in localStorage, keyed
   by the run, so a reload carries on where it was. Needs no network once loaded. */
(function () {
  "use strict";

  var R = window.CMTRunner;
  var root = document.querySelector("[data-presenter]");
  if (!R || !root) return;

  var data = R.readRunData();
  var steps = data.steps;
  var count = steps.length;
  var sections = root.querySelectorAll(".step-panel[data-step]");
  var status = root.querySelector("[data-status]");
  var stepClock = root.querySelector("[data-step-clock]");
  var lessonClock = root.querySelector("[data-lesson-clock]");
  var nextStep = root.querySelector("[data-next-step]");
  var timerLabel = root.querySelector("[data-timer-label]");
  var blackoutButton = root.querySelector('[data-action="blackout"]');
  var practice = new R.PracticeView(root.querySelector("[data-practice-panel]"));
  var pupilUrl = root.getAttribute("data-pupil-url");
  var leaveUrl = root.getAttribute("data-leave-url");
  var pupilWindow = null;
  var wasDone = false;

  function freshState() {
    var now = Date.now();
    var stepMs = [];
    for (var i = 0; i < count; i += 1) stepMs.push(0);
    return {
      v: 1,
      lessonKey: data.lessonKey,
      stepCount: count,
      step: 0,
      blackout: false,
      startedAt: now,
      stepEnteredAt: now,
      stepMs: stepMs,
      timer: R.newTimer(steps[0].timerSeconds),
    };
  }

  function usable(saved) {
    return (
      saved &&
      saved.v === 1 &&
      saved.lessonKey === data.lessonKey &&
      saved.stepCount === count &&
      typeof saved.step === "number" &&
      saved.step >= 0 &&
      saved.step < count &&
      saved.timer &&
      Array.isArray(saved.stepMs) &&
      saved.stepMs.length === count
    );
  }

  var saved = R.loadState(data.runKey);
  var state = usable(saved) ? saved : freshState();

  var channel = R.openChannel(data.runKey, function (message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "hello") {
      announce("The pupil screen is open.");
      broadcast();
    } else if (message.type === "bye") {
      announce("The pupil screen was closed.");
    } else if (message.type === "command") {
      run(message.name);
    }
  });

  function publicState(now) {
    // What the pupil screen needs: the step, blackout and the timer as it stands now.
    return {
      step: state.step,
      blackout: state.blackout,
      timer: {
        durationMs: state.timer.durationMs,
        elapsedMs: R.timerElapsed(state.timer, now),
        running: state.timer.running && !R.timerDone(state.timer, now),
      },
    };
  }

  function broadcast() {
    channel.post({ type: "state", state: publicState(Date.now()) });
  }

  function commit() {
    R.saveState(data.runKey, state);
    broadcast();
    render();
  }

  function announce(text) {
    status.textContent = text;
  }

  // ------------------------------------------------------------ actions

  function goTo(index) {
    if (index < 0 || index >= count || index === state.step) return;
    var now = Date.now();
    state.stepMs[state.step] += Math.max(0, now - state.stepEnteredAt);
    state.stepEnteredAt = now;
    state.step = index;
    state.timer = R.newTimer(steps[index].timerSeconds);
    wasDone = false;
    commit();
    announce("Step " + (index + 1) + " of " + count + ": " + steps[index].title);
    prefillRecord();
  }

  function toggleTimer() {
    var now = Date.now();
    var timer = state.timer;
    if (R.timerDone(timer, now)) {
      state.timer = R.newTimer(steps[state.step].timerSeconds);
      timer = state.timer;
      wasDone = false;
    }
    if (timer.running) {
      timer.elapsedMs = R.timerElapsed(timer, now);
      timer.running = false;
    } else {
      timer.since = now;
      timer.running = true;
    }
    commit();
    requestFrame();
  }

  function resetTimer() {
    state.timer = R.newTimer(steps[state.step].timerSeconds);
    wasDone = false;
    commit();
  }

  function toggleBlackout() {
    state.blackout = !state.blackout;
    commit();
    announce(state.blackout ? "The pupil screen is blacked out." : "The pupil screen is showing again.");
  }

  function restart() {
    if (!window.confirm("Start this lesson again from the first step? The clocks start again too.")) return;
    R.clearState(data.runKey);
    state = freshState();
    wasDone = false;
    commit();
    announce("Started again from step 1.");
  }

  function openPupilScreen() {
    if (pupilWindow && !pupilWindow.closed) {
      pupilWindow.focus();
      return;
    }
    if (navigator.onLine === false) {
      announce("You are offline, so the pupil screen cannot open now. Open it while the network is there; once open it keeps working.");
      return;
    }
    pupilWindow = window.open(pupilUrl, "cmt-pupil-screen", "popup,width=1024,height=768");
    if (!pupilWindow) {
      announce("Your browser blocked the pupil screen. Allow pop-ups for this site, then try again.");
    }
  }

  function leave() {
    window.location.assign(leaveUrl);
  }

  function run(name) {
    switch (name) {
      case "next":
        goTo(state.step + 1);
        break;
      case "prev":
        goTo(state.step - 1);
        break;
      case "timer":
        toggleTimer();
        break;
      case "reset-timer":
        resetTimer();
        break;
      case "blackout":
        toggleBlackout();
        break;
      case "open-pupil-screen":
        openPupilScreen();
        break;
      case "restart":
        restart();
        break;
      case "leave":
        leave();
        break;
      default:
        break;
    }
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (button && root.contains(button)) run(button.getAttribute("data-action"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    // Typing in the record form (or any field) is never a shortcut.
    if (target.closest && target.closest("input, textarea, select, form, [contenteditable]")) return;
    var onControl = Boolean(target.closest && target.closest("button, a, summary"));
    var name = null;
    switch (event.key) {
      case "ArrowRight":
      case "PageDown":
        name = "next";
        break;
      case " ":
      case "Spacebar":
        if (!onControl) name = "next"; // on a button, Space presses that button
        break;
      case "ArrowLeft":
      case "PageUp":
        name = "prev";
        break;
      case "t":
      case "T":
        name = "timer";
        break;
      case "r":
      case "R":
        name = "reset-timer";
        break;
      case "b":
      case "B":
      case ".": // presentation clickers send "." (or B) for "black screen"
        name = "blackout";
        break;
      case "Escape":
        name = "leave";
        break;
      default:
        break;
    }
    if (!name) return;
    event.preventDefault();
    run(name);
  });

  // ------------------------------------------------------------ drawing

  function minutesText(ms) {
    return Math.floor(ms / 60000);
  }

  function clockText(usedMs, plannedMinutes, exact) {
    var plannedMs = plannedMinutes * 60000;
    var used = exact ? R.formatClock(usedMs) : minutesText(usedMs) + " min";
    var leftMs = plannedMs - usedMs;
    var left = leftMs >= 0
      ? (exact ? R.formatClock(leftMs) : Math.ceil(leftMs / 60000) + " min") + " left"
      : (exact ? R.formatClock(-leftMs) : Math.ceil(-leftMs / 60000) + " min") + " over";
    return used + " used of " + plannedMinutes + " min · " + left;
  }

  function drawClocks(now) {
    var step = steps[state.step];
    var stepUsed = state.stepMs[state.step] + Math.max(0, now - state.stepEnteredAt);
    stepClock.textContent = clockText(stepUsed, step.minutes, true);
    lessonClock.textContent = clockText(Math.max(0, now - state.startedAt), data.minutes, false);
  }

  function drawPractice(now) {
    practice.draw(steps[state.step], state.timer, now);
    var done = R.timerDone(state.timer, now);
    timerLabel.textContent = done ? "Restart timer" : state.timer.running ? "Pause timer" : R.timerElapsed(state.timer, now) > 0 ? "Resume timer" : "Start timer";
    if (done && !wasDone) {
      wasDone = true;
      // The timer ran out here: save it as finished and let the pupil screen know.
      state.timer.elapsedMs = state.timer.durationMs;
      state.timer.running = false;
      R.saveState(data.runKey, state);
      broadcast();
      announce("Time is up.");
    }
  }

  function render() {
    var now = Date.now();
    for (var i = 0; i < sections.length; i += 1) {
      sections[i].hidden = Number(sections[i].getAttribute("data-step")) !== state.step;
    }
    var next = steps[state.step + 1];
    nextStep.textContent = next
      ? next.title + " (" + next.stageLabel + ", " + next.minutes + " min)"
      : "This is the last step. When you are ready, record what was delivered below.";
    blackoutButton.setAttribute("aria-pressed", state.blackout ? "true" : "false");
    root.classList.toggle("is-blacked-out", state.blackout);
    drawClocks(now);
    drawPractice(now);
  }

  var requestFrame = R.startLoop(
    function () {
      var now = Date.now();
      drawClocks(now);
      drawPractice(now);
    },
    function () {
      return state.timer.running;
    }
  );

  // ------------------------------------------------------------ the record form

  var form = root.querySelector("[data-record-form]");
  var offlineMessage = root.querySelector("[data-offline-message]");
  var touched = {};

  function prefillRecord() {
    // A fresh record form takes the minutes this run has lasted (once it looks like a real
    // lesson); the teacher checks it, and what they type is never overwritten.
    if (!form || !form.hasAttribute("data-prefill") || touched.minutes_taken) return;
    var minutes = form.querySelector("#minutes_taken");
    var used = Math.round((Date.now() - state.startedAt) / 60000);
    if (minutes && used >= 10 && used <= 180) minutes.value = String(used);
  }

  if (form) {
    form.addEventListener("input", function (event) {
      if (event.target.id) touched[event.target.id] = true;
    });
    form.addEventListener("submit", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        offlineMessage.textContent =
          "You are offline, so this cannot be saved yet. Your place in the lesson is kept: record it when the network is back.";
      }
    });
    window.addEventListener("online", function () {
      offlineMessage.textContent = "";
    });
    window.setInterval(prefillRecord, 30000);
  }

  window.addEventListener("pagehide", function () {
    R.saveState(data.runKey, state);
  });

  R.saveState(data.runKey, state);
  render();
  prefillRecord();
  broadcast();
  if (state.timer.running) requestFrame();
})();
