"""Which submissions share code: a ranked pair list and the matched regions, side by side.

``lesson similarity SUBMISSIONS --out DIR`` (and ``lesson grade-class``) fingerprints each
student's exercise files with copydetect (PyPI ``copydetect``, a MOSS-style detector:
code tokenized by Pygments with names replaced by ``V``/``F``/``O``, k-grams hashed and
winnowed, as in Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
document fingerprinting", SIGMOD 2003). The stubs (``exercises/``), the solutions and
the reference (``lesson_pkg``) are boilerplate: every k-gram they hold is dropped before
comparing, so code the course gave everyone never counts.

A pair's score is the **amount** of matched code outside the boilerplate: the number
of tokens of the first student's files that the second's also hold (files compared
with their namesakes), summed over the files. Percentages mislead here: once the
boilerplate is gone, an honest file keeps only a few dozen tokens, and two honest
files share a large fraction of so few (copydetect's per-file similarity gave honest
pairs 0.40-0.72 when issue 25 tried it). A pair is flagged when its score reaches
:data:`FLAG_TOKENS`; ``benchmarks/bench_similarity.py`` measured what it separates:
planted copies scored 1,043-1,370 matched tokens, independent honest pairs at most 141.

Writes ``DIR/similarity.csv`` (rank, the two folders, the score, flagged, the
per-file scores) and ``DIR/similarity.html`` (the :data:`SHOWN_PAIRS` highest pairs'
files side by side, matched regions marked).
"""

from __future__ import annotations

import csv
import html
import io
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lesson_pkg.grading.core.results import spreadsheet_cell
from lesson_pkg.grading.exercises import exercise_files
from lesson_pkg.grading.front.submission_layout import LayoutError, exercise_folder
from lesson_pkg.grading.runner.worker_client import MAX_SOURCE_BYTES

NOISE_TOKENS = 25  # k: the shortest match that counts (copydetect's default noise_t)
WINDOW = 1  # winnowing window: every k-gram kept (guarantee threshold = noise threshold)
FLAG_TOKENS = 400  # matched tokens outside the boilerplate that flag a pair
SHOWN_PAIRS = 30  # pairs the HTML report shows side by side: the highest scores
# the reference code every student could read: the package's files these patterns name
REFERENCE_MODULES = ("losses/*.py", "metrics.py", "training.py", "history.py", "diagnosis.py")
CSV_FILE = "similarity.csv"
HTML_FILE = "similarity.html"


def _fingerprint(name: str, text: str, boilerplate: np.ndarray | None) -> object:
    from copydetect import CodeFingerprint

    return CodeFingerprint(
        name, NOISE_TOKENS, WINDOW, boilerplate, language="python", fp=io.StringIO(text)
    )


def boilerplate_files(course: Path | None = None) -> list[Path]:
    """The stubs, the solutions and the reference modules: code every student was given."""
    import importlib.util

    import lesson_pkg

    if importlib.util.find_spec("copydetect") is None:
        raise ValueError(
            "the similarity report needs copydetect: pip install 'lesson-pkg[grading]' "
            "(make install does), or pass --no-similarity"
        )
    package = Path(lesson_pkg.__file__).parent
    course = Path(course) if course is not None else Path.cwd()
    files = [
        path for folder in ("exercises", "solutions") for path in (course / folder).glob("*.py")
    ]
    if not (course / "exercises").is_dir():
        raise ValueError(
            f"{course.resolve()} has no exercises/: the stubs every student started from are "
            "the similarity report's boilerplate; run in the course folder, or pass --course"
        )
    return sorted(files) + reference_files(package)


def reference_files(package: Path) -> list[Path]:
    """The package's reference modules (``REFERENCE_MODULES``); each pattern must match."""
    found = {pattern: sorted(package.glob(pattern)) for pattern in REFERENCE_MODULES}
    missing = [pattern for pattern, paths in found.items() if not paths]
    if missing:
        raise RuntimeError(f"lesson_pkg has no {', '.join(missing)}: the reference moved")
    return [path for paths in found.values() for path in paths]


def boilerplate_hashes(files: list[Path]) -> np.ndarray:
    """Every k-gram hash of ``files`` (copydetect's ``_get_boilerplate_hashes``)."""
    hashes: list[int] = []
    for path in files:
        hashes.extend(_fingerprint(path.name, path.read_text(), None).hashes)  # type: ignore[attr-defined]
    return np.unique(np.array(hashes, dtype=np.int64))


def _read_student(folder: Path) -> dict[str, str]:
    """Each exercise file's text, found by the grader's own layout rule."""
    sources = {}
    try:
        with exercise_folder(folder) as found:
            for name in exercise_files():
                path = found / f"{name}.py"
                if path.is_file() and not path.is_symlink():
                    sources[name] = path.read_bytes()[:MAX_SOURCE_BYTES].decode("utf-8", "replace")
    except LayoutError:
        return {}
    return sources


@dataclass
class Pair:
    """Two students, their matched tokens outside the boilerplate, per file and in all."""

    first: str
    second: str
    by_file: dict[str, int] = field(default_factory=dict)
    slices: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def score(self) -> int:
        """Matched tokens, summed over the files."""
        return sum(self.by_file.values())

    @property
    def flagged(self) -> bool:
        """Whether the amount matched is large enough to look at."""
        return self.score >= FLAG_TOKENS


def compare_class(students: dict[str, dict[str, str]], boilerplate: np.ndarray) -> list[Pair]:
    """Every pair of students sharing any code outside the boilerplate, highest score first.

    Only pairs whose files share a fingerprint are compared (an index from fingerprint
    to students finds them), so a class costs about its number of students, not pairs.
    """
    from copydetect import compare_files

    pairs: dict[tuple[str, str], Pair] = {}
    for name in exercise_files():
        prints = {
            student: _fingerprint(f"{name}.py", files[name], boilerplate)
            for student, files in students.items()
            if name in files
        }
        holders: dict[int, list[str]] = {}
        for student, fingerprint in prints.items():
            for value in fingerprint.hashes:  # type: ignore[attr-defined]
                holders.setdefault(value, []).append(student)
        shared: Counter[tuple[str, str]] = Counter()
        for group in holders.values():
            shared.update(itertools.combinations(sorted(group), 2))
        for first, second in shared:
            tokens, _, slices = compare_files(prints[first], prints[second])
            if tokens:
                pair = pairs.setdefault((first, second), Pair(first, second))
                pair.by_file[name] = int(tokens)
                pair.slices[name] = slices
    return sorted(pairs.values(), key=lambda pair: (-pair.score, pair.first, pair.second))


def write_csv(pairs: list[Pair], path: Path) -> None:
    """``similarity.csv``: one ranked row per pair that shares any code."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "first", "second", "score", "flagged", *exercise_files()])
        for rank, pair in enumerate(pairs, start=1):
            writer.writerow(
                [rank, spreadsheet_cell(pair.first), spreadsheet_cell(pair.second), pair.score]
                + ["yes" if pair.flagged else "no"]
                + [pair.by_file.get(name, 0) for name in exercise_files()]
            )


def _marked(text: str, slices: np.ndarray) -> str:
    """``text`` escaped for HTML, its matched ``slices`` (2xN character spans) in ``<mark>``."""
    parts, current = [], 0
    for start, end in zip(slices[0].tolist(), slices[1].tolist(), strict=True):
        parts += [
            html.escape(text[current:start]),
            "<mark>",
            html.escape(text[start:end]),
            "</mark>",
        ]
        current = end
    parts.append(html.escape(text[current:]))
    return "".join(parts)


def write_html(pairs: list[Pair], students: dict[str, dict[str, str]], path: Path) -> None:
    """``similarity.html``: each shown pair's matched files side by side, matches marked."""
    shown = pairs[:SHOWN_PAIRS]
    body = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Similarity report</title><style>",
        "body{font-family:sans-serif;margin:1em}pre{white-space:pre-wrap;font-size:12px;"
        "background:#f6f6f6;padding:.5em;border:1px solid #999}mark{background:#ffd24d;"
        "outline:1px solid #000}.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}",
        "</style></head><body><main><h1>Similarity report</h1>",
        f"<p>{len(pairs)} pairs share code outside the stubs, solutions and reference; "
        f"{sum(pair.flagged for pair in pairs)} reach {FLAG_TOKENS} matched tokens and are "
        "flagged. Matched regions are <mark>marked</mark>. A score counts tokens, not a "
        "percentage: read the code before concluding anything.</p>",
        f"<p>The {len(shown)} highest scores are shown; {CSV_FILE} lists every pair.</p>",
        "<table><caption>Pairs shown</caption><tr><th scope='col'>rank</th>"
        "<th scope='col'>first</th><th scope='col'>second</th><th scope='col'>score</th>"
        "<th scope='col'>flagged</th></tr>",
    ]
    for rank, pair in enumerate(shown, start=1):
        body.append(
            f"<tr><td>{rank}</td><td>{html.escape(pair.first)}</td>"
            f"<td>{html.escape(pair.second)}</td><td>{pair.score}</td>"
            f"<td>{'yes' if pair.flagged else 'no'}</td></tr>"
        )
    body.append("</table>")
    for rank, pair in enumerate(shown, start=1):
        body.append(
            f"<section><h2>{rank}. {html.escape(pair.first)} and {html.escape(pair.second)}: "
            f"{pair.score} matched tokens{' (flagged)' if pair.flagged else ''}</h2>"
        )
        for name, (left, right) in pair.slices.items():
            body.append(f"<h3>{name}.py: {pair.by_file[name]} tokens</h3><div class='side'>")
            for student, slices in ((pair.first, left), (pair.second, right)):
                text = students[student][name]
                body.append(
                    f"<div><h4>{html.escape(student)}</h4><pre>{_marked(text, slices)}</pre></div>"
                )
            body.append("</div>")
        body.append("</section>")
    body.append("</main></body></html>")
    path.write_text("\n".join(body), encoding="utf-8")


def report_class(submissions: Path, out: Path, course: Path | None = None) -> list[Pair]:
    """Compare every student folder of ``submissions``; write the CSV and HTML to ``out``."""
    folders = sorted(path for path in Path(submissions).iterdir() if path.is_dir())
    students = {folder.name: _read_student(folder) for folder in folders}
    pairs = compare_class(students, boilerplate_hashes(boilerplate_files(course)))
    out.mkdir(parents=True, exist_ok=True)
    write_csv(pairs, out / CSV_FILE)
    write_html(pairs, students, out / HTML_FILE)
    flagged = [pair for pair in pairs if pair.flagged]
    print(
        f"similarity: {len(flagged)} of {len(pairs)} pairs sharing code flagged "
        f"(>= {FLAG_TOKENS} matched tokens): {out / CSV_FILE}, {out / HTML_FILE}"
    )
    return pairs
