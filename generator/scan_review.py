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


def review_html(layout: dict, outcome, lang: str, words) -> str:
    """The page, in the build's language `lang` with its `words`."""
    from .scan_page import explain

    unplaced = [p for p in outcome.unplaced if p["status"] != "blank"]
    blank = [p for p in outcome.unplaced if p["status"] == "blank"]
    summary = (words["scan_summary"].replace("{read}", str(len(outcome.pages)))
               .replace("{decide}", str(len(outcome.decisions)))
               .replace("{unplaced}", str(len(unplaced))))
    title = f"{words['scan_review']} — {layout['exam']}"
    parts = [f"<!DOCTYPE html>\n<html lang=\"{escape(lang)}\"><head><meta charset=\"utf-8\">"
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>", f"<p>{escape(summary)}</p>",
             f"<p>{escape(words['scan_how'])}</p>",
             f"<h2>{escape(words['scan_decide'])}</h2>"]
    if not outcome.decisions:
        parts.append(f"<p>{escape(words['scan_none'])}</p>")
    for d in outcome.decisions:
        images = "".join(f'<img src="crops/{escape(name)}" alt="{escape(d.column)}">'
                         for name in d.crops)
        parts.append(f"<section id=\"{escape(d.student)}-{escape(d.column)}\">"
                     f"<h3>{escape(words['student'])} {escape(d.student)} — "
                     f"<code>{escape(d.column)}</code></h3>"
                     f"<p class=\"why\">{escape(explain(d.reason, words))}</p>{images}"
                     "</section>")
    parts.append(f"<h2>{escape(words['scan_unplaced'])}</h2>")
    if not unplaced:
        parts.append(f"<p>{escape(words['scan_none'])}</p>")
    for p in unplaced:
        image = (f'<img src="crops/{escape(p["thumbnail"])}" alt="{escape(p["file"])}">'
                 if p.get("thumbnail") else "")
        parts.append(f"<section><h3>{escape(p['file'])}, {escape(words['page'])} "
                     f"{p['index'] + 1}</h3><p class=\"why\">"
                     f"{escape(explain(p.get('reason', ''), words))}</p>{image}</section>")
    parts.append(f"<h2>{escape(words['scan_blanks'])}</h2>")
    parts.append(f"<p>{escape(words['scan_none'])}</p>" if not blank else
                 f"<table><tr><th>{escape(words['scan_file'])}</th>"
                 f"<th>{escape(words['page'])}</th></tr>"
                 + "".join(f"<tr><td>{escape(p['file'])}</td><td>{p['index'] + 1}</td></tr>"
                           for p in blank) + "</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
