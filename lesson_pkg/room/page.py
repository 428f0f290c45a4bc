"""The dashboard as HTML (one page, server-rendered, readable on a projector), and the CSV.

Every string that came from a learner (their display name) is escaped with
:func:`html.escape` where it enters HTML, and made inert for spreadsheets and terminals
(:func:`safe_cell`) where it enters the CSV. The page's script only fetches the live part
again every few seconds and swaps it in; the server renders everything.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import quote

from lesson_pkg.room.store import COLUMNS, Result

REFRESH_SECONDS = 2
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

STYLE = """
:root { color-scheme: light; }
body { font: 1.35rem/1.45 system-ui, sans-serif; margin: 1.5rem 2rem;
       color: #111; background: #fff; }
h1 { font-size: 2.2rem; margin: 0 0 .3rem; }
h2 { font-size: 1.6rem; margin: 1.6rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .7rem; border-bottom: 1px solid #767676;
         vertical-align: top; }
td code { overflow-wrap: anywhere; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.hint { color: #333; font-size: 1.05rem; }
.all { font-weight: bold; }
.status { color: #333; }
a { color: #0645ad; }
"""

SCRIPT = f"""\"use strict\";
(() => {{
  const live = document.getElementById("live");
  const status = document.getElementById("status");
  const token = new URLSearchParams(location.search).get("token") || "";
  async function refresh() {{
    try {{
      const response = await fetch("/dashboard/live?token=" + encodeURIComponent(token),
                                   {{cache: "no-store"}});
      if (!response.ok) throw new Error("HTTP " + response.status);
      live.innerHTML = await response.text();
      status.textContent = "";
    }} catch (error) {{
      status.textContent = "The room is not answering (" + error.message + "); retrying.";
    }}
    setTimeout(refresh, {REFRESH_SECONDS * 1000});
  }}
  setTimeout(refresh, {REFRESH_SECONDS * 1000});
}})();
"""


def clock(seconds: float) -> str:
    """A time of day, ``HH:MM:SS``, in the server's local time."""
    return time.strftime("%H:%M:%S", time.localtime(seconds))


def dashboard(summary: dict[str, Any], token: str) -> str:
    """The whole dashboard page; ``token`` (the instructor's) goes into the CSV link."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lesson room</title>
<link rel="stylesheet" href="/room.css">
<script src="/room.js" defer></script>
</head>
<body>
<header>
<h1>Lesson room</h1>
<p class="status" id="status" role="status"></p>
</header>
<main id="live">
{live(summary)}
</main>
<footer>
<p><a href="/export.csv?token={escape(quote(token, safe=""))}">Download every result (CSV)</a></p>
</footer>
</body>
</html>
"""


def live(summary: dict[str, Any]) -> str:
    """The part of the page that the script fetches again every ``REFRESH_SECONDS``."""
    return "\n".join(
        [
            f"<p>{_count(summary['learners'], 'learner')}, "
            f"{_count(summary['results'], 'result')}; "
            f"updated {clock(summary['generated'])}.</p>",
            _functions(summary["functions"]),
            _idle(summary["idle"], summary["idle_minutes"]),
            _timeline(summary["timeline"], summary["generated"]),
        ]
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _functions(functions: list[dict[str, Any]]) -> str:
    rows = []
    for row in functions:
        tried, passed = row["tried"], row["passed"]
        share = f" ({passed / tried:.0%})" if tried else ""
        mark = ' class="number all"' if tried and passed == tried else ' class="number"'
        mistake = row["mistake"]
        named = (
            f"<code>{escape(mistake['id'])}</code>: {mistake['count']}"
            f'<br><span class="hint">{escape(mistake["hint"])}</span>'
            if mistake
            else "none"
        )
        rows.append(
            f'<tr><th scope="row"><code>{escape(row["function"])}</code></th>'
            f"<td>{escape(row['exercise'])}</td>"
            f'<td class="number">{tried}</td><td{mark}>{passed}{share}</td><td>{named}</td></tr>'
        )
    return (
        '<section aria-labelledby="functions-heading">'
        '<h2 id="functions-heading">Per function, now</h2><table>'
        '<thead><tr><th scope="col">function</th><th scope="col">exercise</th>'
        '<th scope="col">tried</th><th scope="col">pass</th>'
        '<th scope="col">most common named mistake (learners)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _idle(idle: list[dict[str, Any]], minutes: float) -> str:
    heading = f'<h2 id="idle-heading">No progress for {minutes:g} minutes or more</h2>'
    if not idle:
        body = "<p>Nobody.</p>"
    else:
        rows = "".join(
            f"<tr><td>{escape(learner['name'])}</td><td><code>{escape(learner['function'])}"
            f'</code></td><td class="number">{learner["minutes"]:.0f}</td></tr>'
            for learner in idle
        )
        body = (
            '<table><thead><tr><th scope="col">learner</th><th scope="col">last checked</th>'
            f'<th scope="col">minutes</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return f'<section aria-labelledby="idle-heading">{heading}{body}</section>'


def _timeline(timeline: list[list[float]], now: float) -> str:
    """Passes so far against time, as an inline SVG step line with its own description."""
    heading = '<h2 id="timeline-heading">Passes over time</h2>'
    if not timeline:
        return f'<section aria-labelledby="timeline-heading">{heading}<p>No pass yet.</p></section>'
    width, height, left, bottom = 900, 260, 60, 40
    start, total = timeline[0][0], timeline[-1][1]
    span = max(now - start, 60.0)

    def x(seconds: float) -> float:
        return left + (seconds - start) / span * (width - left - 10)

    def y(count: float) -> float:
        return height - bottom - count / total * (height - bottom - 10)

    points = [f"{x(start):.1f},{y(0):.1f}"]
    for seconds, count in timeline:
        points += [f"{x(seconds):.1f},{y(count - 1):.1f}", f"{x(seconds):.1f},{y(count):.1f}"]
    points.append(f"{x(now):.1f},{y(total):.1f}")
    description = (
        f"{total} first passes between {clock(start)} and {clock(timeline[-1][0])}; "
        f"the chart runs from {clock(start)} to {clock(start + span)}."
    )
    label = 'font-size="18" fill="#111"'
    return f"""<section aria-labelledby="timeline-heading">{heading}
<svg role="img" aria-labelledby="timeline-title timeline-description"
 viewBox="0 0 {width} {height}" width="100%">
<title id="timeline-title">Passes so far, against time</title>
<desc id="timeline-description">{escape(description)}</desc>
<line x1="{left}" y1="{y(0):.1f}" x2="{width - 10}" y2="{y(0):.1f}" stroke="#111"/>
<line x1="{left}" y1="{y(0):.1f}" x2="{left}" y2="10" stroke="#111"/>
<text x="{left - 8}" y="{y(total) + 6:.1f}" text-anchor="end" {label}>{total}</text>
<text x="{left - 8}" y="{y(0):.1f}" text-anchor="end" {label}>0</text>
<text x="{left}" y="{height - 12}" {label}>{clock(start)}</text>
<text x="{width - 10}" y="{height - 12}" text-anchor="end" {label}>{clock(start + span)}</text>
<polyline points="{" ".join(points)}" fill="none" stroke="#0b5394" stroke-width="4"/>
</svg>
<p>{escape(description)}</p></section>"""


def safe_cell(value: object) -> str:
    r"""A CSV cell that a spreadsheet will not run and a terminal will not obey.

    Control characters (escape sequences) become "?", and a text that starts like a
    formula gets a leading apostrophe.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("a\x1b[31mb")
    ("'=HYPERLINK(1)", 'a?[31mb')
    """
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(results: Iterable[Result]) -> str:
    """Every result as CSV: a header row, then one row per result, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for result in results:
        writer.writerow([safe_cell(getattr(result, column)) for column in COLUMNS])
    return out.getvalue()


def join_page(url: str) -> str:
    """What a learner sees when they open the join address in a browser."""
    line = f'join_room("{url}", name="your name")'
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Join the lesson room</title>
<link rel="stylesheet" href="/room.css"></head>
<body><main>
<h1>Join the lesson room</h1>
<p>Run this once in your notebook; each <code>check()</code> then tells the instructor
your points and the mistake it recognised (never your code):</p>
<pre><code>from lesson_pkg.checks import join_room
{escape(line)}</code></pre>
</main></body>
</html>
"""
