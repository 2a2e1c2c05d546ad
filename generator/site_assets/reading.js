/* How `exgen grade` reads a written answer (generator/grade.py: number_readings,
 * list_readings, matrix_readings, judge), line for line, so that the practice site
 * checks an answer exactly as the grader marks it. tests/reading_cases.json holds the
 * cases both must agree on: a change to one reading rule changes both files and the
 * cases. Python's own parsing (str.strip, float, json.loads) is imitated where it
 * differs from JavaScript's.
 *
 * Ported from grade.py's reading (tests/test_site.py compares this fingerprint of
 * _NUMBER, number_readings, list_readings, matrix_readings, _close, judge, accepted and
 * _flatten with grade.py's source; port a change, add its cases, then update it):
 * grade.py reading fb15984416ba8a13 */
(function (root) {
  "use strict";

  var SPACE = /[\s\u00a0]/;

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
  var FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
  function pyFloat(text) {
    var t = strip(text);
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

  var NUMBER = /^[-+\u2212]?[\d\s\u00a0.,']+$/;

  function escapeRe(ch) { return ch === "." ? "\\." : ch; }

  function numberReadings(given) {
    var text = strip(strip(lstrip(strip(given), "\u2248~"))).replace(/\u2212/g, "-");
    if (!text) return [];
    var fraction = /^(-?\d+)\s*\/\s*(\d+)$/.exec(text);
    if (fraction && Number(fraction[2]) !== 0) {
      return [Number(fraction[1]) / Number(fraction[2])];
    }
    if (!NUMBER.test(text)) return [];
    var compact = text.replace(/[\s\u00a0']/g, "");
    var readings = [];
    [[".", ","], [",", "."]].forEach(function (pair) {
      var decimal = pair[0], group = pair[1], candidate = compact;
      var hasGroup = candidate.indexOf(group) >= 0, hasDecimal = candidate.indexOf(decimal) >= 0;
      if (hasGroup && hasDecimal && candidate.lastIndexOf(group) > candidate.lastIndexOf(decimal)) {
        return;
      }
      var grouped = new RegExp("^-?\\d{1,3}(" + escapeRe(group) + "\\d{3})+(" +
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

  function listReadings(given) {
    var text = strip(given);
    if (!(text.charAt(0) === "[" && text.charAt(text.length - 1) === "]")) return [];
    var json = pyJson(text);
    if (json) return Array.isArray(json.value) ? [json.value] : [];
    var inner = text.slice(1, -1);
    if (inner.indexOf("[") >= 0) return [];
    var bySemicolon = inner.indexOf(";") >= 0;
    if (!bySemicolon && inner.indexOf(",") >= 0) return [];
    var pieces = bySemicolon ? inner.split(";") : strip(inner).split(/\s+/);
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
    var rows = [], match, bracket = /\[([^\[\]]*)\]/g;
    while ((match = bracket.exec(text)) !== null) rows.push(match[1]);
    if (rows.length === 1) {
      rows = rows[0].split(";");
    } else if (!rows.length || text.replace(/\[[^\[\]]*\]|[\s,\[\]]/g, "")) {
      return [];
    }
    var matrix = [];
    for (var i = 0; i < rows.length; i++) {
      var cells = strip(rows[i]).split(/[\s,;]+/).filter(function (c) { return c; });
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

  function accepted(given, key, tolerance) {
    var got = flatten(given), want = flatten(key);
    return got !== null && want !== null && got.length === want.length &&
      got.every(function (g, i) { return Math.abs(g - want[i]) <= tolerance + 1e-9; });
  }

  /* "right", "wrong", "blank" or "unparseable": grade.judge for an answer whose key is
   * `key` (a number, a list, a list of rows, or a choice's letter as a string). */
  function verdict(given, key, tolerance) {
    if (!strip(given)) return "blank";
    if (typeof key === "string") {
      var letter = strip(strip(strip(given), "().")).toLowerCase();
      if (Array.from(letter).length !== 1 || !/^\p{L}$/u.test(letter)) return "unparseable";
      return letter === key ? "right" : "wrong";
    }
    var readings;
    if (Array.isArray(key)) {
      readings = key.length && Array.isArray(key[0]) ? matrixReadings(given) : listReadings(given);
    } else {
      readings = numberReadings(given);
    }
    if (!readings.length) return "unparseable";
    return readings.some(function (r) { return accepted(r, key, tolerance); }) ? "right" : "wrong";
  }

  root.exgenReading = {verdict: verdict, numberReadings: numberReadings,
                       listReadings: listReadings, matrixReadings: matrixReadings};
})(this);
