"""The pure matching core with the real embedding model: encoder and its cache, vector and
keyword indexes, hybrid search, explanations, and the fairness of profile texts."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from matching.encoder import DEFAULT_MODEL, CachedEncoder, EmbeddingStore, _load_model, \
    get_encoder, text_key
from matching.errors import IndexCorruptError, IndexMissingError, IndexModelMismatchError, \
    QueryError
from matching.explain import CandidateFacts, JobFacts, check_constraints, explain_match, \
    match_skills, profile_text
from matching.hybrid import FusionWeights, clean_query, hybrid_search, reciprocal_rank_fusion
from matching.text_index import TextIndex
from matching.vector_index import VectorIndex

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2030, 1, 15)

JOBS = {
    1: ("Electrician", "Install and repair electrical wiring, switchboards and lighting in "
                       "residential towers in Doha, Qatar. Salary QAR 2,400 per month."),
    2: ("Cook", "Prepare breakfast and lunch for 300 guests in a hotel kitchen in Dubai. "
                "Food hygiene certificate preferred. Salary AED 2,200 per month."),
    3: ("Care assistant", "A care home in Doha looks after elderly residents: help them "
                          "with bathing, meals, medication and walking. Free housing."),
    4: ("Welder", "MIG and TIG welding of steel structures for a construction company in "
                  "Riyadh. Three years of welding experience required."),
    5: ("Heavy truck driver", "Drive trucks between the port and warehouses in Jeddah. "
                              "A valid heavy vehicle licence is required."),
    6: ("Housekeeper", "Clean guest rooms and corridors of a hotel in Kuala Lumpur. "
                      "Six days a week, overtime paid."),
    7: ("Farm worker", "Harvest strawberries and vegetables on a farm in Fresno, "
                       "California. Seasonal contract, transport provided."),
    8: ("Security guard", "Guard the entrance of a shopping mall in Abu Dhabi and watch "
                          "the CCTV cameras on night shifts."),
}


@pytest.fixture(autouse=True)
def _clean_database():
    """These tests use no app and no database: the core must work without either."""
    yield


@pytest.fixture(scope="session")
def encoder() -> CachedEncoder:
    """The real all-MiniLM-L6-v2 model, loaded once for the session: loading takes seconds,
    and only a real model shows that search and explanations rank by meaning."""
    return CachedEncoder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def job_vectors(encoder) -> dict[int, np.ndarray]:
    vectors = encoder.encode([f"{t}. {d}" for t, d in JOBS.values()])
    return dict(zip(JOBS, vectors))


@pytest.fixture()
def vector_index(encoder, job_vectors) -> VectorIndex:
    index = VectorIndex(encoder.dim, encoder.name)
    index.upsert(list(job_vectors), np.stack(list(job_vectors.values())))
    return index


@pytest.fixture()
def text_index(tmp_path) -> TextIndex:
    index = TextIndex(tmp_path / "text")
    index.upsert((i, title, body) for i, (title, body) in JOBS.items())
    yield index
    index.close()


def test_core_imports_neither_flask_nor_the_database():
    code = ("import sys, matching.encoder, matching.vector_index, matching.text_index, "
            "matching.hybrid, matching.explain; "
            "print(sorted(m for m in ('flask', 'flask_sqlalchemy', 'sqlalchemy', 'app') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- encoder -----------------------------------------------------------------------------

def test_vectors_are_unit_length_float32_and_follow_meaning(encoder):
    vectors = encoder.encode(["electrician", "electrical technician", "pastry cook"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_unchanged_texts_are_never_embedded_twice(tmp_path, encoder, monkeypatch):
    calls: list[int] = []
    real_encode = encoder.model.encode

    def counting_encode(texts, **kwargs):
        calls.append(len(texts))
        return real_encode(texts, **kwargs)

    monkeypatch.setattr(encoder.model, "encode", counting_encode)
    first = CachedEncoder(cache_dir=tmp_path)
    texts = ["welder in Riyadh", "cook in Dubai", "welder in Riyadh"]
    vectors = first.encode(texts)
    assert calls == [2]  # one batched call; the duplicate embedded once
    np.testing.assert_array_equal(first.encode(texts), vectors)
    assert calls == [2] and first.stats.encoded == 2

    second = CachedEncoder(cache_dir=tmp_path)  # empty memory, same disk store
    np.testing.assert_array_equal(second.encode(texts), vectors)
    assert calls == [2] and second.stats.disk_hits == 2
    second.encode(["welder in Riyadh", "driver in Jeddah"])
    assert calls == [2, 1]


def test_disk_cache_is_keyed_by_model_name(tmp_path):
    store = EmbeddingStore(tmp_path / "embeddings.sqlite")
    key = text_key("welder")
    store.put_many("model-a", [(key, np.ones(4, dtype=np.float32))])
    assert list(store.get_many("model-a", [key], dim=4)) == [key]
    assert store.get_many("model-b", [key], dim=4) == {}
    assert store.get_many("model-a", [key], dim=8) == {}  # another dimension is stale
    store.close()


def test_get_encoder_is_shared_and_loads_nothing_until_used():
    assert get_encoder() is get_encoder(DEFAULT_MODEL)
    loaded = _load_model.cache_info().currsize
    unused = get_encoder("a-model-nobody-has-asked-for")
    assert unused.name == "a-model-nobody-has-asked-for"
    assert _load_model.cache_info().currsize == loaded


def test_encode_rejects_what_is_not_text(encoder):
    with pytest.raises(TypeError):
        encoder.encode("a bare string")
    with pytest.raises(TypeError):
        encoder.encode(["fine", 42])
    assert encoder.encode([]).shape == (0, 384)


# --- vector index ------------------------------------------------------------------------

def _top(index: VectorIndex, encoder, query: str, k: int = 3, **kwargs) -> list[int]:
    return [i for i, _ in index.search(encoder.encode([query])[0], k, **kwargs)]


def test_vector_search_finds_by_meaning_and_respects_allowed_ids(vector_index, encoder):
    assert _top(vector_index, encoder, "someone to look after old people")[0] == 3
    assert _top(vector_index, encoder, "electrician", k=2, allowed_ids=[2, 5]) != []
    assert set(_top(vector_index, encoder, "electrician", k=8, allowed_ids={2, 5})) == {2, 5}
    assert _top(vector_index, encoder, "electrician", allowed_ids=[]) == []


def test_vector_index_updates_and_removes(vector_index, encoder, job_vectors):
    vector_index.upsert([1], job_vectors[2][None, :])  # job 1 rewritten as a cook's job
    assert set(_top(vector_index, encoder, "hotel cook", k=2)) == {1, 2}
    assert vector_index.remove([2, 999]) == 1
    assert len(vector_index) == 7 and 2 not in vector_index
    # Job 8 was the last row and moved into the hole: it must still be found as itself.
    assert _top(vector_index, encoder, "security guard at a mall")[0] == 8
    np.testing.assert_allclose(vector_index.vector(8), job_vectors[8], atol=1e-6)


def test_vector_index_rejects_bad_input(vector_index):
    with pytest.raises(ValueError):
        vector_index.upsert([1], np.ones((1, 10), dtype=np.float32))
    with pytest.raises(ValueError):
        vector_index.upsert([1, 1], np.ones((2, 384), dtype=np.float32))
    with pytest.raises(ValueError):
        vector_index.upsert([1], np.full((1, 384), np.nan, dtype=np.float32))


def test_batch_search_agrees_with_single_search(vector_index, encoder):
    queries = ["electrician", "care for old people", "truck driver", "cleaning hotel rooms"]
    vectors = encoder.encode(queries)
    for allowed in (None, [1, 3, 5, 6, 7]):
        ids, scores = vector_index.search_many(vectors, k=3, allowed_ids=allowed)
        assert ids.shape == scores.shape == (4, 3)
        for row, vector in enumerate(vectors):
            single = vector_index.search(vector, 3, allowed_ids=allowed)
            assert ids[row].tolist() == [i for i, _ in single]
            np.testing.assert_allclose(scores[row], [s for _, s in single], atol=1e-5)


def test_top_k_is_exact_on_a_large_index():
    """Large enough for the chunked pre-selection; checked against a full sort."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((20_011, 16)).astype(np.float32)
    index = VectorIndex(16, "random")
    index.upsert(np.arange(100, 20_111), vectors)
    queries = rng.standard_normal((6, 16)).astype(np.float32)
    ids, scores = index.search_many(queries, k=25)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for row, query in enumerate(queries):
        expected = np.sort(unit @ (query / np.linalg.norm(query)))[::-1][:25]
        np.testing.assert_allclose(scores[row], expected, rtol=1e-5)
        assert [i for i, _ in index.search(query, 25)] == ids[row].tolist()


def test_vector_index_persists_and_reloads(vector_index, encoder, tmp_path):
    vector_index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, encoder.name, encoder.dim)
    assert sorted(loaded.ids.tolist()) == sorted(JOBS)
    query = encoder.encode(["welding steel"])[0]
    assert loaded.search(query, 3) == vector_index.search(query, 3)


def test_reload_detects_another_model(vector_index, tmp_path):
    vector_index.save(tmp_path)
    with pytest.raises(IndexModelMismatchError):
        VectorIndex.load(tmp_path, "paraphrase-multilingual-MiniLM-L12-v2", 384)
    with pytest.raises(IndexModelMismatchError):
        VectorIndex.load(tmp_path, vector_index.model_name, 768)


def test_reload_detects_missing_and_corrupt_files(vector_index, tmp_path):
    with pytest.raises(IndexMissingError):
        VectorIndex.load(tmp_path / "nowhere", vector_index.model_name, 384)
    vector_index.save(tmp_path)
    vectors_file = tmp_path / "vectors.npy"
    data = bytearray(vectors_file.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the last vector
    vectors_file.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        VectorIndex.load(tmp_path, vector_index.model_name, 384)
    vectors_file.write_bytes(bytes(data[:len(data) // 2]))  # a torn write
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(tmp_path, vector_index.model_name, 384)
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(tmp_path, vector_index.model_name, 384)


def test_reload_detects_vectors_from_an_older_save(vector_index, tmp_path):
    vector_index.save(tmp_path)
    old_meta = (tmp_path / "meta.json").read_text()
    vector_index.remove([1])
    vector_index.save(tmp_path)
    (tmp_path / "meta.json").write_text(old_meta)  # a crash between two files' writes
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(tmp_path, vector_index.model_name, 384)
    assert json.loads(old_meta)["count"] == 8


# --- keyword index -----------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    '"', "AND", "*", "NEAR(", "NEAR(cook hotel", "OR OR", "title:cook", "cook*", "(", ")))",
    "-cook", "^cook", "'; DROP TABLE docs; --", "\x00", "çalışan 電気技師 كهربائي 🚀",
    "x" * 10_000, "cook " * 5_000, "",
])
def test_any_user_text_is_a_safe_keyword_query(text_index, query):
    assert isinstance(text_index.search(query), list)


def test_keyword_search_ranks_by_bm25_and_stems(text_index):
    hits = text_index.search("welders Riyadh")
    assert hits[0][0] == 4 and hits[0][1] > 0
    assert [i for i, _ in text_index.search("cook")] == [2]
    assert text_index.search("NEAR(cook hotel")[0][0] == 2  # words, not syntax
    assert text_index.search("electrician", allowed_ids=[2, 3]) == []


def test_filtered_keyword_search_still_ranks(text_index):
    assert {i for i, _ in text_index.search("hotel")} == {2, 6}
    assert [i for i, _ in text_index.search("hotel", allowed_ids=[6, 7])] == [6]


def test_words_too_common_for_the_budget_are_searched_in_titles(tmp_path):
    index = TextIndex(tmp_path, max_scored_docs=2)
    index.upsert((i, title, body) for i, (title, body) in JOBS.items())
    # "Dubai" (one job) fits the budget; "hotel" (two more) does not, so only titles count.
    assert [i for i, _ in index.search("hotel Dubai")] == [2]
    index.upsert([(9, "Hotel porter", "Carry luggage for guests.")])
    assert {i for i, _ in index.search("hotel Dubai")} == {2, 9}
    index.close()


def test_keyword_index_updates_removes_and_reopens(text_index, tmp_path):
    text_index.upsert([(2, "Baker", "Bake bread in Dubai")])
    assert text_index.search("cook") == []
    assert [i for i, _ in text_index.search("bread")] == [2]
    assert text_index.remove([2, 999]) == 1
    assert text_index.search("bread") == [] and len(text_index) == 7
    reopened = TextIndex(tmp_path / "text")
    assert [i for i, _ in reopened.search("welding")] == [4]
    reopened.close()


def test_a_corrupt_keyword_index_is_reported(tmp_path):
    (tmp_path / "text_index.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError):
        TextIndex(tmp_path)


# --- hybrid search -----------------------------------------------------------------------

def _search(query, encoder, vector_index, text_index, **kwargs):
    return hybrid_search(query, encoder=encoder, vectors=vector_index, texts=text_index,
                         **kwargs)


def _ids(result) -> list[int]:
    return [hit.id for hit in result.hits]


def test_hybrid_search_ranks_real_jobs_sensibly(encoder, vector_index, text_index):
    ids = _ids(_search("electrician Doha", encoder, vector_index, text_index))
    assert ids[0] == 1 and ids.index(1) < ids.index(2)
    assert _ids(_search("care for old people", encoder, vector_index, text_index))[0] == 3
    assert _ids(_search("welder with 3 years", encoder, vector_index, text_index))[0] == 4
    assert _ids(_search("lorry driving", encoder, vector_index, text_index))[0] == 5


def test_hybrid_search_explains_each_side(encoder, vector_index, text_index):
    hit = _search("electrician Doha", encoder, vector_index, text_index).hits[0]
    assert hit.vector_rank == 1 and hit.text_rank == 1 and 0 < hit.similarity <= 1
    semantic = _search("electrician Doha", encoder, vector_index, text_index,
                       weights=FusionWeights(vector=1.0, text=0.0))
    assert all(h.text_rank is None and h.similarity is not None for h in semantic.hits)
    keyword = _search("electrician Doha", encoder, vector_index, text_index,
                      weights=FusionWeights(vector=0.0, text=1.0))
    assert all(h.vector_rank is None for h in keyword.hits) and _ids(keyword)[0] == 1


def test_hybrid_search_applies_hard_constraints(encoder, vector_index, text_index):
    result = _search("electrician Doha", encoder, vector_index, text_index,
                     allowed_ids={2, 3, 6})
    assert set(_ids(result)) <= {2, 3, 6} and 1 not in _ids(result)


@pytest.mark.parametrize("query", ["", "   ", "\n\t", None, 42, ["cook"]])
def test_empty_or_non_text_queries_get_a_clear_error(query, encoder, vector_index, text_index):
    with pytest.raises(QueryError):
        _search(query, encoder, vector_index, text_index)


def test_a_very_long_query_is_shortened_and_says_so(encoder, vector_index, text_index):
    result = _search("care home " + "x" * 20_000, encoder, vector_index, text_index)
    assert result.truncated and len(result.query) <= 500
    assert "shortened" in result.notice and result.hits
    assert clean_query("  cook \x00 in\n Dubai ") == ("cook in Dubai", False)


def test_fusion_favours_agreement_and_follows_weights():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 4, 1]], [1.0, 1.0])
    assert [i for i, _ in fused][:2] == [1, 3]
    semantic_heavy = reciprocal_rank_fusion([[1, 2], [2, 1]], [3.0, 1.0])
    assert semantic_heavy[0][0] == 1
    with pytest.raises(ValueError):
        FusionWeights(vector=0.0, text=0.0)


def test_hybrid_search_refuses_an_index_of_another_model(encoder, text_index):
    other = VectorIndex(384, "another-model")
    with pytest.raises(IndexModelMismatchError, match="another-model"):
        _search("cook", encoder, other, text_index)


# --- explanations and fairness -----------------------------------------------------------

def _job(job_id: int, **fields) -> JobFacts:
    title, description = JOBS[job_id]
    defaults = {"corridor": "NP-QA", "contract_languages": ("en", "ne"),
                "valid_through": TODAY + dt.timedelta(days=30), "organisation_tier": "vetted"}
    return JobFacts(title, description, **{**defaults, **fields})


def test_skills_match_by_words_and_by_meaning(encoder):
    skills = ["welding", "caring for elderly people", "forklift driving"]
    matched, unmatched = match_skills(skills, _job(4), encoder)
    assert [(m.skill, m.how) for m in matched] == [("welding", "words")]
    matched, unmatched = match_skills(skills, _job(3), encoder)
    assert [(m.skill, m.how) for m in matched] == [("caring for elderly people", "meaning")]
    assert "elderly residents" in matched[0].evidence and matched[0].similarity >= 0.5
    assert unmatched == ["welding", "forklift driving"]
    assert match_skills(skills, _job(3), encoder=None)[0] == []  # words alone miss it


def test_hard_constraints_each_say_why_they_fail():
    worker = CandidateFacts(skills=("cooking",), languages=("ne",), corridors=("NP-QA",),
                            available_from=TODAY)
    assert all(c.passed for c in check_constraints(worker, _job(2), TODAY))
    cases = {
        "corridor": _job(2, corridor="PH-AE"),
        "language": _job(2, contract_languages=("ar",)),
        "availability": _job(2, valid_through=TODAY - dt.timedelta(days=1)),
        "organisation": _job(2, organisation_tier="suspended"),
    }
    for name, job in cases.items():
        failed = [c.name for c in check_constraints(worker, job, TODAY) if not c.passed]
        assert name in failed
    unpublished = check_constraints(worker, _job(2, published=False), TODAY)
    assert [c.name for c in unpublished if not c.passed] == ["open"]


def test_explanation_sums_up_a_match(encoder):
    worker = CandidateFacts(skills=("welding", "steel structures", "cooking"),
                            languages=("en",), corridors=("NP-QA",))
    explanation = explain_match(worker, _job(4, occupation="welder"), 0.61, today=TODAY,
                                encoder=encoder)
    assert explanation.passed and explanation.occupation == "welder"
    assert {m.skill for m in explanation.matched_skills} == {"welding", "steel structures"}
    assert explanation.unmatched_skills == ("cooking",)
    assert explanation.skill_overlap == pytest.approx(2 / 3)
    assert explanation.similarity == pytest.approx(0.61)


def test_protected_attributes_never_reach_the_text_or_the_ranking(encoder, vector_index):
    work = {"headline": "Hotel cook", "skills": ["cooking", "food hygiene"],
            "experience_years": 4, "experience": "Cooked for 200 guests a day.",
            "languages": ["en", "ne"], "desired_occupation": "cook"}
    a = {**work, "name": "Sita Gurung", "gender": "female", "age": 24, "religion": "Hindu",
         "ethnicity": "Gurung", "nationality": "Nepal", "photo": "sita.jpg"}
    b = SimpleNamespace(**work, name="Mohammed Rahman", gender="male", age=51,
                        religion="Muslim", ethnicity="Bengali", nationality="Bangladesh",
                        photo="m.jpg")
    text_a, text_b = profile_text(a), profile_text(b)
    assert text_a == text_b
    for word in ("Sita", "Gurung", "female", "24", "Hindu", "Nepal ", "sita.jpg"):
        assert word not in text_a
    assert "cooking, food hygiene" in text_a and "Nepali" in text_a
    vectors = encoder.encode([text_a, text_b])
    assert vector_index.search(vectors[0], 8) == vector_index.search(vectors[1], 8)
