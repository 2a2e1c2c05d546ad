/* One exercise page of the practice site: the variants are in the page (a JSON data
 * block written by `exgen site`, each answer a reading.Key); answers are checked with
 * reading.js, the twin of the grader's reading.py. The order of the variants is drawn in the browser, so a student
 * cannot predict the next one; the files themselves stay the same build after build. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("exgen-data").textContent);
  var words = data.words;
  var form = document.getElementById("answers");
  var question = document.getElementById("question");
  var solution = document.getElementById("solution");
  var solutionBody = document.getElementById("solution-body");
  var toggle = document.getElementById("toggle-solution");
  var score = document.getElementById("score");
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input"));
  var order = [], current = -1;

  function randomBelow(n) {
    var word = new Uint32Array(1), limit = Math.floor(4294967296 / n) * n;
    do { crypto.getRandomValues(word); } while (word[0] >= limit);
    return word[0] % n;
  }

  /* A fresh random order of all variants, never starting with the one on screen. */
  function shuffled(avoid) {
    var list = data.variants.map(function (v, i) { return i; });
    for (var i = list.length - 1; i > 0; i--) {
      var j = randomBelow(i + 1), t = list[i];
      list[i] = list[j];
      list[j] = t;
    }
    if (list.length > 1 && list[0] === avoid) list.push(list.shift());
    return list;
  }

  function typeset(element) {
    if (typeof renderMathInElement !== "function") return;
    renderMathInElement(element, {
      delimiters: [{left: "\\[", right: "\\]", display: true},
                   {left: "\\(", right: "\\)", display: false}],
      /* digit groups are (narrow) no-break spaces in the text; TeX's thin space in math */
      preProcess: function (math) { return math.replace(/[\u00a0\u202f\u2009]/g, "\\,"); },
      throwOnError: false
    });
  }

  function setSolution(open) {
    solution.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? words.site_hide_solution : words.site_show_solution;
  }

  function clearVerdicts() {
    inputs.forEach(function (input, i) {
      input.removeAttribute("aria-invalid");
      var box = document.getElementById("verdict-" + i);
      box.textContent = "";
      box.className = "verdict";
    });
    score.textContent = "";
  }

  function show(index) {
    var variant = data.variants[index];
    current = index;
    question.innerHTML = variant.question;
    question.setAttribute("data-code", variant.code);
    solutionBody.innerHTML = variant.solution;
    document.getElementById("variant-code").textContent = variant.code;
    inputs.forEach(function (input) { input.value = ""; });
    clearVerdicts();
    setSolution(false);
    typeset(question);
    typeset(solutionBody);
  }

  function next() {
    if (!order.length) order = shuffled(current);
    show(order.shift());
  }

  /* A wrong answer that gives a misconception's value (as `exgen grade` recognises it)
   * is told what went wrong, in the verdict's own live region. The explanation is HTML
   * from exgen's Markdown renderer, as the question is (raw HTML in the bank shows as
   * text), with its math set by KaTeX; the reading's own words are set as text. */
  function note(box, className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    box.appendChild(document.createTextNode(" "));
    box.appendChild(span);
  }

  function explain(box, given, key) {
    var name = exgenReading.mistakeIn(given, key);
    if (!name || !Object.prototype.hasOwnProperty.call(data.mistakes, name)) return;
    var span = document.createElement("span");
    span.className = "mistake";
    span.innerHTML = data.mistakes[name];
    box.appendChild(document.createTextNode(" "));
    box.appendChild(span);
    typeset(span);
  }

  /* Why an answer was not read (how such an answer is written), or its other unit. */
  function reason(box, verdict) {
    if (verdict.reason === "unit") {
      note(box, "reason", words.other_unit.replace("{unit}", verdict.unit));
    } else if (verdict.reason) {
      note(box, "reason", words["unread_" + verdict.reason]);
    }
  }

  function check(event) {
    event.preventDefault();
    var answers = data.variants[current].answers, right = 0;
    inputs.forEach(function (input, i) {
      var result = exgenReading.judge(input.value, answers[i]), verdict = result.status;
      var box = document.getElementById("verdict-" + i);
      box.textContent = words["site_" + verdict];
      box.className = "verdict " + verdict;
      reason(box, result);
      if (verdict === "wrong") explain(box, input.value, answers[i]);
      if (verdict === "right" || verdict === "alternative") {
        right++;
        input.removeAttribute("aria-invalid");
      } else {
        input.setAttribute("aria-invalid", "true");
      }
    });
    score.textContent = words.site_score.replace("{right}", right)
                                        .replace("{total}", inputs.length);
    score.className = "score" + (right === inputs.length ? " right" : "");
  }

  form.addEventListener("submit", check);
  document.getElementById("new-variant").addEventListener("click", function () {
    next();
    document.getElementById("title").focus();
  });
  toggle.addEventListener("click", function () { setSolution(solution.hidden); });
  document.getElementById("needs-script").hidden = true;
  form.hidden = false;
  Array.prototype.forEach.call(form.querySelectorAll("label"), typeset);  /* $W_1$ … */
  next();
})();
