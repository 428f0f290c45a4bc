"""The similarity report flags planted copies, never honest independent pairs."""

import csv
from itertools import combinations

import pytest
from classmates import ROOT, rename_variables, reorder_functions, write_class

from lesson_pkg.grading.front import similarity


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("similarity")
    honest, planted = write_class(folder / "class")
    pairs = similarity.report_class(folder / "class", folder / "out", ROOT)
    return folder / "out", honest, planted, {(p.first, p.second): p for p in pairs}


def test_every_planted_copy_is_flagged(reported):
    _, _, planted, pairs = reported
    for copy, original in planted:
        pair = pairs[tuple(sorted((copy, original)))]
        assert pair.flagged, (copy, pair.score)


def test_no_honest_pair_is_flagged_and_copies_stand_well_clear(reported):
    _, honest, planted, pairs = reported
    honest_scores = [
        pairs[pair].score if pair in pairs else 0
        for pair in (tuple(sorted(two)) for two in combinations(honest, 2))
    ]
    assert not any(score >= similarity.FLAG_TOKENS for score in honest_scores)
    lowest_copy = min(pairs[tuple(sorted(pair))].score for pair in planted)
    assert lowest_copy >= 2 * similarity.FLAG_TOKENS > 4 * max(honest_scores)


def test_the_stubs_and_solutions_count_as_boilerplate(reported):
    _, _, _, pairs = reported
    for pair in pairs.values():
        assert "untouched-stubs" not in (pair.first, pair.second)  # the stub: nothing left
    assert all("solution-copier" not in key or not p.flagged for key, p in pairs.items())


def test_the_csv_ranks_pairs_and_the_html_marks_matched_code(reported):
    out, _, planted, _ = reported
    with (out / similarity.CSV_FILE).open() as handle:
        rows = list(csv.DictReader(handle))
    scores = [int(row["score"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    top = {tuple(sorted((row["first"], row["second"]))) for row in rows[: len(planted)]}
    assert top == {tuple(sorted(pair)) for pair in planted}
    assert all(row["flagged"] == ("yes" if int(row["score"]) >= 400 else "no") for row in rows)
    page = (out / similarity.HTML_FILE).read_text()
    assert page.count("<mark>") > 10 and "copy-verbatim" in page and "<script" not in page


def test_renaming_and_reordering_change_the_text_not_the_code():
    source = "def f(a):\n    total = a + 1\n    return total\n\n\ndef g(b):\n    return b\n"
    renamed = rename_variables(source)
    assert "total" not in renamed and "return" in renamed
    assert reorder_functions(source).index("def g") < reorder_functions(source).index("def f")


def test_a_folder_name_is_escaped_in_the_report(tmp_path):
    folder = tmp_path / "class"
    write_class(folder)
    (folder / "copy-verbatim").rename(folder / "<b>x&y")
    similarity.report_class(folder, tmp_path / "out", ROOT)
    page = (tmp_path / "out" / similarity.HTML_FILE).read_text()
    assert "&lt;b&gt;x&amp;y" in page and "<b>x" not in page


def test_without_the_stubs_there_is_no_report(tmp_path):
    with pytest.raises(ValueError, match="has no exercises/"):
        similarity.boilerplate_files(tmp_path)


def test_the_similarity_verb_writes_the_report_or_says_what_is_missing(tmp_path, capsys):
    from lesson_pkg.cli import main

    folder = tmp_path / "class"
    write_class(folder)
    out = tmp_path / "out"
    assert main(["similarity", str(folder), "--out", str(out), "--course", str(ROOT)]) == 0
    assert "3 of" in capsys.readouterr().out and (out / similarity.CSV_FILE).is_file()
    assert main(["similarity", str(folder), "--out", str(out), "--course", str(tmp_path)]) == 2
    assert "has no exercises/" in capsys.readouterr().err


def test_the_boilerplate_holds_every_reference_module_the_students_could_read():
    files = {path.relative_to(ROOT).as_posix() for path in similarity.boilerplate_files(ROOT)}
    assert {"lesson_pkg/losses/regression.py", "lesson_pkg/metrics.py"} <= files
    assert {f"solutions/{path.name}" for path in (ROOT / "exercises").glob("ex*.py")} <= files


def test_a_reference_module_that_moved_is_an_error_not_a_silent_gap(tmp_path):
    with pytest.raises(RuntimeError, match="has no losses/"):
        similarity.reference_files(tmp_path)
