/* How a written answer is read and judged on the practice site: the twin of
 * generator/reading.py, function for function and in the same order, on the same data
 * (a key is the JSON of reading.Key: value, tolerance, whole, alternatives, mistakes,
 * suffixes, other_units). Python's own text rules (str.strip, str.lower, isalpha,
 * splitlines, float, json.loads, `\s` and `\d`) are imitated where JavaScript's differ.
 * tests/test_reading_twins.py runs thousands of generated answers through both files and
 * requires the same verdict on each; tests/reading_twins.json records the fingerprints of
 * the two files that run last passed: change one, change the other, run it. */
(function (root) {
  "use strict";

  /* Python's whitespace (str.isspace, str.strip, str.split and `\s` in its patterns):
   * JavaScript's `\s` without the byte-order mark, with \x1c-\x1f and NEL. Python's `\d`
   * is any decimal digit (`\p{Nd}`), and int() and float() read them all. */
  var WS = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f" +
           "\\u205f\\u3000";
  var SPACE = new RegExp("^[" + WS + "]$", "u");
  var DIGIT = /^\p{Nd}$/u;

  /* A regular expression as Python reads it: `\d` any decimal digit, `WS` Python's
   * whitespace (inside a character class). */
  function pattern(source, flags) {
    return new RegExp(source.replace(/\\d/g, "\\p{Nd}").replace(/WS/g, WS), "u" + (flags || ""));
  }

  /* A decimal digit's value: digits come in runs of ten, 0 to 9 (a Unicode promise). */
  function digitValue(c) {
    var code = c.codePointAt(0), below = 0;
    while (DIGIT.test(String.fromCodePoint(code - below - 1))) below++;
    return below % 10;
  }

  /* What Python's int() and float() read: beyond ASCII, whitespace as a space and any
   * decimal digit as its ASCII digit; anything else cannot be read (null). */
  function asciiNumber(text) {
    var out = "", list = Array.from(text);
    for (var i = 0; i < list.length; i++) {
      var c = list[i];
      if (c.codePointAt(0) < 127) out += c;
      else if (SPACE.test(c)) out += " ";
      else if (DIGIT.test(c)) out += String(digitValue(c));
      else return null;
    }
    return out;
  }

  function strip(text, chars) {
    var list = Array.from(text);
    var keep = chars === undefined ? function (c) { return SPACE.test(c); }
                                   : function (c) { return chars.indexOf(c) >= 0; };
    var start = 0, end = list.length;
    while (start < end && keep(list[start])) start++;
    while (end > start && keep(list[end - 1])) end--;
    return list.slice(start, end).join("");
  }

  function lstrip(text, chars) {
    var list = Array.from(text), start = 0;
    while (start < list.length && chars.indexOf(list[start]) >= 0) start++;
    return list.slice(start).join("");
  }

  /* Python's float(text): digits with optional underscores between them, a point, an
   * exponent, inf and nan; anything else is a ValueError (null here). */
  var FLOAT = /^[+-]?(?:(?:[0-9](?:_?[0-9])*)(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
  function pyFloat(text) {
    var ascii = asciiNumber(text);
    if (ascii === null) return null;
    var t = strip(ascii, " \t\n\r\v\f");
    if (FLOAT.test(t)) return Number(t.replace(/_/g, ""));
    var special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
    if (special) {
      if (special[2].toLowerCase() === "nan") return NaN;
      return special[1] === "-" ? -Infinity : Infinity;
    }
    return null;
  }

  /* Python's json.loads, which also takes NaN, Infinity and -Infinity; null when the
   * text is not JSON (a JSON null never matters here: it is not a list). */
  function pyJson(text) {
    try {
      return {value: JSON.parse(text)};
    } catch (e) { /* maybe Python's extra constants */ }
    if (!/NaN|Infinity/.test(text)) return null;
    var marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?)(NaN|Infinity)/g, function (all, sign, word) {
      return word ? '"\\u0000' + sign + word + '"' : all;
    });
    try {
      return {value: JSON.parse(marked, function (key, v) {
        if (typeof v === "string" && v.charAt(0) === "\u0000") {
          return v === "\u0000NaN" ? NaN : v === "\u0000-Infinity" ? -Infinity
               : v === "\u0000Infinity" ? Infinity : v;
        }
        return v;
      })};
    } catch (e) {
      return null;
    }
  }

  /* reading.ALWAYS: written after any number. */
  var ALWAYS = ["times", "\u043f\u044a\u0442\u0438", "%", "\u00d7", "x", "\u0445"];

  /* Python's whitespace strip on the right only. */
  function rstripSpace(text) {
    var list = Array.from(text), end = list.length;
    while (end > 0 && SPACE.test(list[end - 1])) end--;
    return list.slice(0, end).join("");
  }

  function rstrip(text, chars) {
    var list = Array.from(text), end = list.length;
    while (end > 0 && chars.indexOf(list[end - 1]) >= 0) end--;
    return list.slice(0, end).join("");
  }

  /* Python's str.splitlines (the line ends it knows), without the empty last line. */
  function splitlines(text) {
    var lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    return lines;
  }

  function isAlpha(c) { return /^\p{L}$/u.test(c); }

  /* reading.LOOKALIKE: Cyrillic letters compared as the Latin ones they look like. */
  var LOOKALIKE = {"\u0430": "a", "\u0432": "b", "\u0435": "e", "\u043a": "k",
                   "\u043c": "m", "\u043d": "h", "\u043e": "o", "\u0440": "p",
                   "\u0441": "c", "\u0442": "t", "\u0445": "x", "\u0443": "y",
                   "\u0456": "i"};
  /* reading.CYRILLIC_CHOICES: а б в г by place, ц д by the phonetic keys, с е alike. */
  var CYRILLIC_CHOICES = {"\u0430": "a", "\u0431": "b", "\u0432": "c", "\u0446": "c",
                          "\u0441": "c", "\u0433": "d", "\u0434": "d", "\u0435": "e"};

  function has(table, name) { return Object.prototype.hasOwnProperty.call(table, name); }

  function lower(text) {
    return Array.from(text.toLowerCase()).map(function (c) {
      return has(LOOKALIKE, c) ? LOOKALIKE[c] : c;
    }).join("");
  }

  /* reading._cut: the text before a trailing spelling (not glued to a letter). */
  function cut(text, spellings) {
    var list = Array.from(text);
    for (var i = 0; i < spellings.length; i++) {
      var n = Array.from(spellings[i]).length;
      var head = list.slice(0, list.length - n), tail = list.slice(list.length - n).join("");
      if (list.length >= n && lower(tail) === lower(spellings[i]) &&
          !(head.length && isAlpha(head[head.length - 1]))) {
        return [rstripSpace(head.join("")), spellings[i]];
      }
    }
    return null;
  }

  var NUMBER = pattern("^[-+]?[\\dWS.,']+$");

  function escapeRe(ch) { return ch === "." ? "\\." : ch; }

  function numberReadings(given, suffixes) {
    var text = strip(strip(lstrip(strip(given), "\u2248~"))).replace(/\u2212/g, "-");
    var found = cut(text, suffixes === undefined ? ALWAYS : suffixes);
    if (found !== null) text = found[0];
    if (!text) return [];
    var fraction = pattern("^(-?\\d+)[WS]*/[WS]*(\\d+)$").exec(text);
    if (fraction && Number(asciiNumber(fraction[2])) !== 0) {
      return [Number(asciiNumber(fraction[1])) / Number(asciiNumber(fraction[2]))];
    }
    if (!NUMBER.test(text)) return [];
    var compact = text.replace(pattern("[WS']", "g"), "");
    var readings = [];
    [[".", ","], [",", "."]].forEach(function (pair) {
      var decimal = pair[0], group = pair[1], candidate = compact;
      var hasGroup = candidate.indexOf(group) >= 0, hasDecimal = candidate.indexOf(decimal) >= 0;
      if (hasGroup && hasDecimal && candidate.lastIndexOf(group) > candidate.lastIndexOf(decimal)) {
        return;
      }
      var grouped = pattern("^-?\\d{1,3}(" + escapeRe(group) + "\\d{3})+(" +
                            escapeRe(decimal) + "\\d+)?$");
      if (hasGroup && !grouped.test(candidate)) {
        if (hasDecimal || candidate.split(group).length - 1 > 1) return;
        candidate = candidate.split(group).join(decimal);
      } else {
        candidate = candidate.split(group).join("");
      }
      var value = pyFloat(candidate.split(decimal).join("."));
      if (value !== null) readings.push(value);
    });
    return readings.filter(function (v, i) { return readings.indexOf(v) === i; })
                   .sort(function (a, b) { return a - b; });
  }

  /* Where the key is a whole number the largest reading (`1,024` groups thousands),
   * otherwise the smallest; like Python's max/min, the first of equals wins. */
  function readNumber(given, whole, suffixes) {
    var readings = numberReadings(given, suffixes);
    if (!readings.length) return null;
    var best = readings[0];
    for (var i = 1; i < readings.length; i++) {
      var r = Math.abs(readings[i]), b = Math.abs(best);
      if (whole ? r > b : r < b) best = readings[i];
    }
    return best;
  }

  function otherUnit(given, key) {
    var text = strip(lstrip(strip(given), "\u2248~"));
    for (var i = 0; i < key.other_units.length; i++) {
      var found = cut(text, [key.other_units[i][0]]);
      if (found !== null && numberReadings(found[0], []).length) return key.other_units[i][1];
    }
    return "";
  }

  function bracketed(given) {
    var text = strip(given);
    if (text.charAt(0) === "(" && text.charAt(text.length - 1) === ")") {
      text = "[" + text.slice(1, -1) + "]";
    }
    if (!(text.charAt(0) === "[" && text.charAt(text.length - 1) === "]")) {
      text = "[" + text + "]";
    }
    var lines = splitlines(text).filter(function (line) { return strip(line); })
                                .map(function (line) { return rstrip(strip(line), ";"); });
    return lines.length > 1 ? lines.join("; ") : text;
  }

  function listReadings(given, suffixes) {
    var text = bracketed(given);
    var inner = text.slice(1, -1);
    var decimalCommas = pattern(",[^WS]").test(inner) && pattern(",[WS]").test(inner);  /* [1,1, 1,8] */
    if (!decimalCommas) {
      var json = pyJson(text);
      if (json) return Array.isArray(json.value) ? [json.value] : [];
    }
    if (inner.indexOf("[") >= 0 || inner.indexOf("]") >= 0) return [];
    var pieces;
    if (inner.indexOf(";") >= 0) {
      pieces = inner.split(";");
    } else if (pattern(",[WS]").test(inner)) {
      pieces = inner.split(pattern(",[WS]+"));
    } else {
      pieces = strip(inner).split(pattern("[WS]+"));
    }
    var parts = pieces.filter(function (p) { return strip(p) !== ""; })
                      .map(function (p) { return numberReadings(p, suffixes); });
    if (parts.length && parts.every(function (p) { return p.length === 1; })) {
      return [parts.map(function (p) { return p[0]; })];
    }
    return [];
  }

  function matrixReadings(given) {
    var text = strip(given);
    var json = pyJson(text);
    if (json && Array.isArray(json.value) &&
        json.value.every(function (r) { return Array.isArray(r); })) {
      return [json.value];
    }
    var rows = [];
    var lines = splitlines(text).filter(function (line) { return strip(line); })
                                .map(function (line) { return strip(line); });
    if (lines.length > 1) {
      rows = lines.map(function (line) { return strip(line, "[]();"); });
      if (rows.some(function (row) { return /[\[\]()]/.test(row); })) return [];
    } else {
      var match, bracket = /\[([^\[\]]*)\]/g;
      while ((match = bracket.exec(text)) !== null) rows.push(match[1]);
      if (rows.length === 1) {
        rows = rows[0].split(";");
      } else if (!rows.length || text.replace(pattern("\\[[^\\[\\]]*\\]|[WS,\\[\\]]", "g"), "")) {
        return [];
      }
    }
    var matrix = [];
    for (var i = 0; i < rows.length; i++) {
      var cells = strip(rows[i]).split(pattern("[WS,;]+")).filter(function (c) { return c; });
      var row = [];
      for (var j = 0; j < cells.length; j++) {
        var value = pyFloat(cells[j]);
        if (value === null) return [];
        row.push(value);
      }
      matrix.push(row);
    }
    return matrix.length && matrix.every(function (r) { return r.length; }) ? [matrix] : [];
  }

  function kind(key) {
    if (typeof key.value === "string") return "choice";
    if (Array.isArray(key.value)) {
      return key.value.length && Array.isArray(key.value[0]) ? "matrix" : "vector";
    }
    return "number";
  }

  function readings(given, key) {
    if (!strip(given)) return null;
    if (kind(key) === "matrix") return matrixReadings(given);
    if (kind(key) === "vector") return listReadings(given, key.suffixes);
    var number = readNumber(given, key.whole, key.suffixes);
    return number === null ? [] : [number];
  }

  function flatten(value) {
    if (Array.isArray(value)) {
      var out = [];
      for (var i = 0; i < value.length; i++) {
        var inner = flatten(value[i]);
        if (inner === null) return null;
        out.push.apply(out, inner);
      }
      return out;
    }
    return typeof value === "number" ? [value] : null;
  }

  function accepted(given, expected, tolerance) {
    var got = flatten(given), want = flatten(expected);
    return got !== null && want !== null && got.length === want.length &&
      got.every(function (g, i) { return Math.abs(g - want[i]) <= tolerance + 1e-9; });
  }

  function choiceLetter(given) {
    var letter = strip(strip(strip(given), "().")).toLowerCase();
    if (has(CYRILLIC_CHOICES, letter)) letter = CYRILLIC_CHOICES[letter];
    return Array.from(letter).length === 1 && isAlpha(letter) ? letter : null;
  }

  /* {status, reason, unit}: reading.judge. */
  function judge(given, key) {
    if (!strip(given)) return {status: "blank", reason: "", unit: ""};
    if (kind(key) === "choice") {
      var letter = choiceLetter(given);
      if (letter === null) return {status: "unparseable", reason: "choice", unit: ""};
      return {status: letter === key.value ? "right" : "wrong", reason: "", unit: ""};
    }
    var found = readings(given, key);
    if (!found.length) {
      var unit = kind(key) === "number" ? otherUnit(given, key) : "";
      return unit ? {status: "wrong", reason: "unit", unit: unit}
                  : {status: "unparseable", reason: kind(key), unit: ""};
    }
    if (found.some(function (r) { return accepted(r, key.value, key.tolerance); })) {
      return {status: "right", reason: "", unit: ""};
    }
    var alternative = found.some(function (r) {
      return key.alternatives.some(function (v) { return accepted(r, v, key.tolerance); });
    });
    return {status: alternative ? "alternative" : "wrong", reason: "", unit: ""};
  }

  function mistakeOf(reading, key) {
    if (accepted(reading, key.value, key.tolerance)) return "";
    for (var j = 0; j < key.mistakes.length; j++) {
      var forms = key.mistakes[j].printed;
      for (var k = 0; k < forms.length; k++) {
        if (accepted(reading, forms[k][0], forms[k][1])) return key.mistakes[j].name;
      }
    }
    return "";
  }

  function mistakeIn(given, key) {
    if (kind(key) === "choice" || !key.mistakes.length) return "";
    var found = readings(given, key) || [];
    for (var i = 0; i < found.length; i++) {
      var name = mistakeOf(found[i], key);
      if (name) return name;
    }
    return "";
  }

  root.exgenReading = {judge: judge, mistakeIn: mistakeIn, numberReadings: numberReadings,
                       readNumber: readNumber, listReadings: listReadings,
                       matrixReadings: matrixReadings};
})(this);
