"""Plots take their labels from people: a "$" never turns into a math formula."""

from __future__ import annotations

from region27.evaluation.plots import gap_svg, series_svg


def test_dollar_signs_in_labels_are_text() -> None:
    labels = ["2018", "2019", "2020"]
    svg = series_svg(
        labels=labels,
        treated=[1.0, 2.0, 3.0],
        synthetic=[1.0, 2.0, 2.5],
        start_index=2,
        treated_name="k$ et $",
        ylabel=r"$\\foo$ (k$)",
        title="Titre",
        desc="Description",
    )
    assert "k$ et $" in svg and r"$\\foo$ (k$)" in svg
    gap = gap_svg(
        labels=labels,
        gaps=[0.0, 0.1, -0.5],
        placebo_gaps=[[0.0, 0.2, 0.1]],
        start_index=2,
        ylabel="$^$",
        title="Écart",
        desc="Description",
    )
    assert "$^$" in gap
