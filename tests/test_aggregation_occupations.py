"""The ESCO label matrix is embedded once per model and reused from disk; without a
working model, titles still find occupations by their labels."""
from __future__ import annotations

import numpy as np
import pytest

from app.aggregation.esco import esco_rows
from app.aggregation.occupations import OccupationMapper
from tests.fixtures.aggregation import esco_mapper  # noqa: F401

LABELS = ("forklift operator", "room attendant", "cook", "building electrician", "welder",
          "security guard", "fruit production team leader", "plumber", "bricklayer", "kitchen porter")


@pytest.fixture
def rows():
    by_label = {row["label"]: row for row in esco_rows().values()}
    return [by_label[label] for label in LABELS]


class BrokenEncoder:
    """A model that cannot be loaded (no weights on this machine)."""

    name = "missing-model"

    @property
    def dim(self) -> int:
        raise OSError("no such model")

    def encode(self, texts):
        raise OSError("no such model")


def test_label_matrix_is_embedded_once_and_read_from_disk(esco_mapper, rows, tmp_path):
    encoder = esco_mapper.embedding.encoder  # the real model, loaded once per session
    OccupationMapper(rows, encoder, tmp_path)
    files = list(tmp_path.glob("esco-labels-all-MiniLM-L6-v2-*.npy"))
    assert len(files) == 1 and np.load(files[0]).shape[1] == encoder.dim
    asked = encoder.stats.requested
    again = OccupationMapper(rows, encoder, tmp_path)
    assert encoder.stats.requested == asked  # nothing embedded: the matrix came from disk
    guesses = again.guess_many(["Forklift Driver – Cold Store", "Hotel Room Attendant"])
    assert [g.label for g in guesses] == ["forklift operator", "room attendant"]


def test_a_torn_matrix_file_is_embedded_again(esco_mapper, rows, tmp_path):
    encoder = esco_mapper.embedding.encoder
    OccupationMapper(rows, encoder, tmp_path)
    path = next(tmp_path.glob("esco-labels-*.npy"))
    path.write_bytes(path.read_bytes()[:200])
    mapper = OccupationMapper(rows, encoder, tmp_path)
    assert mapper.method == "embedding"
    assert np.load(path).shape == mapper.embedding.matrix.shape


def test_without_a_model_titles_match_labels(rows, tmp_path):
    mapper = OccupationMapper(rows, BrokenEncoder(), tmp_path)
    assert mapper.method == "label"
    guesses = mapper.guess_many(["Welder", "Night Security Guard (Mall)", "Barista"])
    assert [g and (g.label, g.method) for g in guesses] == [
        ("welder", "label"), ("security guard", "label"), None]
    assert list(tmp_path.iterdir()) == []
