"""review.html: what a person must decide after `exgen scan`, one section per `?` cell
of answers.xlsx (with the crop of the answer's grid and the student's handwritten box),
then the pages that could not be placed and the blank pages."""

from __future__ import annotations

from html import escape

STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
section{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:1em 0}
section h3{margin:.2em 0;font-size:1em}.why{color:#a40}img{border:1px solid #ddd;margin:.3em .5em 0 0;max-width:100%}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}"""


def review_html(layout: dict, outcome) -> str:
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>Scan review: {escape(layout['exam'])}</title><style>{STYLE}</style>"
             "</head><body>",
             f"<h1>Scan review — exam {escape(layout['exam'])}</h1>",
             f"<p>{len(outcome.pages)} page(s) read; {len(outcome.decisions)} answer(s) to "
             "decide; {} page(s) not placed.</p>".format(
                 sum(p["status"] != "blank" for p in outcome.unplaced)),
             "<p>Type each value below into its <code>?</code> cell of "
             "<code>answers.xlsx</code> (the cell's comment says the same), then run "
             "<code>exgen grade … --answers …/scans/answers.xlsx</code>.</p>"]
    parts.append("<h2>Answers to decide</h2>")
    if not outcome.decisions:
        parts.append("<p>None: every mark was read.</p>")
    for d in outcome.decisions:
        images = "".join(f'<img src="crops/{escape(name)}" alt="the scanned answer">'
                         for name in d.crops)
        parts.append(f"<section id=\"{escape(d.student)}-{escape(d.column)}\">"
                     f"<h3>Student {escape(d.student)} — <code>{escape(d.column)}</code></h3>"
                     f"<p class=\"why\">{escape(d.reason)}</p>{images}</section>")
    placed_not = [p for p in outcome.unplaced if p["status"] != "blank"]
    parts.append("<h2>Pages that could not be placed</h2>")
    if not placed_not:
        parts.append("<p>None.</p>")
    for p in placed_not:
        image = (f'<img src="crops/{escape(p["thumbnail"])}" alt="the page">'
                 if p.get("thumbnail") else "")
        parts.append(f"<section><h3>{escape(p['file'])}, page {p['index'] + 1}</h3>"
                     f"<p class=\"why\">{escape(p.get('reason', ''))}</p>{image}</section>")
    blank = [p for p in outcome.unplaced if p["status"] == "blank"]
    parts.append("<h2>Blank pages (backs of sheets)</h2>")
    parts.append("<p>None.</p>" if not blank else "<table><tr><th>File</th><th>Page</th></tr>"
                 + "".join(f"<tr><td>{escape(p['file'])}</td><td>{p['index'] + 1}</td></tr>"
                           for p in blank) + "</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
