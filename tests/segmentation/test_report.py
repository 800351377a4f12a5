"""The persona report is one self-contained HTML file with both charts and the profiles."""

from __future__ import annotations

from segmentation import PersonaSegmenter, write_persona_report


def test_report_embeds_charts_and_names(planted, tmp_path):
    frame, _ = planted(300, seed=4)
    segmenter = PersonaSegmenter(
        numeric_columns=["x1", "x2", "x3", "spend"],
        categorical_columns=["c1", "c2"],
        n_clusters=4,
        random_state=0,
    ).fit(frame)
    path = write_persona_report(segmenter, frame, tmp_path / "out" / "personas.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    for name in segmenter.names_.values():
        assert name in html
    assert "300 subscribers in 4 personas" in html
