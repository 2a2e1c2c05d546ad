/* How `exgen grade` reads a written answer (generator/grade.py: number_readings,
 * read_number, _bracketed, list_readings, matrix_readings, readings, judge; the
 * comparison in generator/answers.py: accepted), line for line, so that the practice
 * site checks an answer exactly as the grader marks it; and how grade recognises a
 * misconception in a wrong answer (grade.misconception_in, misconceptions.recognise).
 * tests/reading_cases.json holds the cases both must agree on: a change to one reading
 * rule changes both files and the cases. Python's own parsing (str.strip, splitlines,
 * float, json.loads) is imitated where it differs from JavaScript's.
 *
 * Ported from the grader's reading (tests/test_site.py compares this fingerprint of
 * grade.py's _NUMBER, _UNIT, number_readings, read_number, _bracketed, list_readings,
 * matrix_readings, readings, judge and misconception_in, answers.py's accepted,
 * _flatten and _close, and misconceptions.py's recognise with their source; port a
 * change, add its cases, then update it):
 * grade.py reading 3febcf8d8bc240c7 */
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

  var NUMBER = pattern("^[-+\\u2212]?[\\dWS\\u00a0.,']+$");
  /* A unit after the number: `87,5 %`, `93x`, `93×` (and the Cyrillic `х` that looks alike). */
  var UNIT = pattern("[WS]*(%|[x\\u00d7\\u0445])$", "i");

  function escapeRe(ch) { return ch === "." ? "\\." : ch; }

  /* Python's str.splitlines (the line ends it knows), without the empty last line. */
  function splitlines(text) {
    var lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    return lines;
  }

  function rstrip(text, chars) {
    var list = Array.from(text), end = list.length;
    while (end > 0 && chars.indexOf(list[end - 1]) >= 0) end--;
    return list.slice(0, end).join("");
  }

  function numberReadings(given) {
    var text = strip(strip(lstrip(strip(given), "\u2248~"))).replace(/\u2212/g, "-");
    text = text.replace(UNIT, "");
    if (!text) return [];
    var fraction = pattern("^(-?\\d+)[WS]*/[WS]*(\\d+)$").exec(text);
    if (fraction && Number(asciiNumber(fraction[2])) !== 0) {
      return [Number(asciiNumber(fraction[1])) / Number(asciiNumber(fraction[2]))];
    }
    if (!NUMBER.test(text)) return [];
    var compact = text.replace(pattern("[WS\\u00a0']", "g"), "");
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

  /* One reading of a written number: where the key is a whole number, the largest
   * (`1,024` groups thousands), otherwise the smallest (`1,024` is a decimal). Like
   * Python's max/min, the first of equals wins. */
  function readNumber(given, whole) {
    var readings = numberReadings(given);
    if (!readings.length) return null;
    var best = readings[0];
    for (var i = 1; i < readings.length; i++) {
      var r = Math.abs(readings[i]), b = Math.abs(best);
      if (whole ? r > b : r < b) best = readings[i];
    }
    return best;
  }

  /* A vector as `[…]`: written in parentheses or without brackets, or over lines. */
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

  function listReadings(given) {
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
    } else if (inner.indexOf(",") >= 0) {
      if (!pattern(",[WS]").test(inner)) return [];
      pieces = inner.split(pattern(",[WS]+"));
    } else {
      pieces = strip(inner).split(pattern("[WS]+"));
    }
    var parts = pieces.filter(function (p) { return strip(p) !== ""; }).map(numberReadings);
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

  /* grade.readings: every sensible reading of a written numeric answer; null for a blank
   * box, [] for one that cannot be read. `whole`: the key is a whole number. */
  function readings(given, key, whole) {
    if (!strip(given)) return null;
    if (Array.isArray(key)) {
      return key.length && Array.isArray(key[0]) ? matrixReadings(given) : listReadings(given);
    }
    var number = readNumber(given, whole);
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

  /* answers.accepted and _close: within the tolerance, entry by entry. */
  function accepted(given, key, tolerance) {
    var got = flatten(given), want = flatten(key);
    return got !== null && want !== null && got.length === want.length &&
      got.every(function (g, i) { return Math.abs(g - want[i]) <= tolerance + 1e-9; });
  }

  /* "right", "alternative", "wrong", "blank" or "unparseable": grade.judge for an
   * answer whose key is `key` (a number, a list, a list of rows, or a choice's letter
   * as a string), with its tolerance; `whole`: a number key is a whole number;
   * `alternatives`: further accepted values (another rounding on the way), each with
   * the key's own tolerance. */
  function verdict(given, key, tolerance, whole, alternatives) {
    if (!strip(given)) return "blank";
    if (typeof key === "string") {
      var letter = strip(strip(strip(given), "().")).toLowerCase();
      if (Array.from(letter).length !== 1 || !/^\p{L}$/u.test(letter)) return "unparseable";
      return letter === key ? "right" : "wrong";
    }
    var found = readings(given, key, whole);
    if (!found.length) return "unparseable";
    if (found.some(function (r) { return accepted(r, key, tolerance); })) return "right";
    var others = alternatives || [];
    return found.some(function (r) {
      return others.some(function (value) { return accepted(r, value, tolerance); });
    }) ? "alternative" : "wrong";
  }

  /* grade.misconception_in and misconceptions.recognise: the name of the first mistake
   * (`{name, value, tolerance}`, the tolerance the key would have were it that value)
   * that a reading of a wrong answer gives, or "". */
  function mistakeIn(given, key, tolerance, whole, mistakes) {
    if (typeof key === "string" || !mistakes || !mistakes.length) return "";
    var found = readings(given, key, whole) || [];
    for (var i = 0; i < found.length; i++) {
      if (accepted(found[i], key, tolerance)) continue;
      for (var j = 0; j < mistakes.length; j++) {
        if (accepted(found[i], mistakes[j].value, mistakes[j].tolerance)) return mistakes[j].name;
      }
    }
    return "";
  }

  root.exgenReading = {verdict: verdict, mistakeIn: mistakeIn, numberReadings: numberReadings,
                       readNumber: readNumber, listReadings: listReadings,
                       matrixReadings: matrixReadings};
})(this);
