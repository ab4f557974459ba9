"""Search queries with the real model: the query cache, micro-batching of queries that
arrive together (each caller gets its own text's vector), and torch's thread setting."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from matching.batching import QueryBatcher
from matching.encoder import DEFAULT_MODEL, CachedEncoder, query_vector

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["electrician in Doha", "cook for a hotel kitchen", "care for old people",
           "welder with experience", "truck driver Jeddah", "housekeeper Kuala Lumpur",
           "strawberry picking", "night security guard"]


@pytest.fixture(autouse=True)
def _clean_database():
    """These tests use no app and no database."""
    yield


@pytest.fixture(scope="module")
def encoder() -> CachedEncoder:
    """The real all-MiniLM-L6-v2 (loaded once per process by matching.encoder): only the
    real model shows that a batch gives each query the vector it would get alone."""
    return CachedEncoder(DEFAULT_MODEL)


def _alone(encoder: CachedEncoder, text: str) -> np.ndarray:
    return encoder.encode([text])[0]


def _in_threads(batcher: QueryBatcher, texts: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    threads = [threading.Thread(target=lambda t=t: found.__setitem__(t, batcher.encode(t)))
               for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return found


def test_queries_that_wait_together_are_embedded_in_one_call(encoder):
    # The first call is held until every other query waits, as when the model is busy.
    everyone_waits = threading.Event()
    calls: list[list[str]] = []

    def embed(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            everyone_waits.wait(timeout=60)
        return encoder._run_model(texts)

    batcher = QueryBatcher(embed, max_batch=16)
    watcher = threading.Thread(target=lambda: _when(lambda: batcher.waiting == 7,
                                                    everyone_waits))
    watcher.start()
    found = _in_threads(batcher, QUERIES)
    watcher.join()
    assert [len(c) for c in calls] == [1, 7]
    for text in QUERIES:  # the right row went back to the right caller
        np.testing.assert_allclose(found[text], _alone(encoder, text), atol=1e-5)


def _when(condition, event: threading.Event) -> None:
    while not condition():
        threading.Event().wait(0.005)
    event.set()


def test_a_batch_is_never_larger_than_its_limit(encoder):
    gate, sizes = threading.Event(), []

    def embed(texts):
        sizes.append(len(texts))
        gate.wait(timeout=60)
        return encoder._run_model(texts)

    batcher = QueryBatcher(embed, max_batch=3)
    threading.Thread(target=lambda: _when(lambda: batcher.waiting == 7, gate)).start()
    found = _in_threads(batcher, QUERIES)
    assert sorted(found) == sorted(QUERIES)
    assert max(sizes) <= 3 and sum(sizes) == len(QUERIES)


def test_a_failing_call_reaches_every_query_of_its_batch_and_the_next_call_works(encoder):
    gate, failed = threading.Event(), []

    def embed(texts):
        gate.wait(timeout=60)
        if not failed:
            failed.append(len(texts))
            raise RuntimeError("model broke")
        return encoder._run_model(texts)

    batcher = QueryBatcher(embed)
    errors: list[BaseException] = []

    def ask(text):
        try:
            batcher.encode(text)
        except RuntimeError as error:
            errors.append(error)

    threading.Thread(target=lambda: _when(lambda: batcher.waiting == 3, gate)).start()
    threads = [threading.Thread(target=ask, args=(t,)) for t in QUERIES[:4]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(errors) == failed[0] >= 1  # every query of the failed batch heard of it
    np.testing.assert_allclose(batcher.encode("welder"), _alone(encoder, "welder"), atol=1e-5)


def test_a_repeated_query_comes_from_the_cache_and_the_oldest_is_forgotten():
    encoder = CachedEncoder(DEFAULT_MODEL, query_cache_size=2)
    first = encoder.encode_query("cook")
    assert encoder.queries.calls == 1
    np.testing.assert_array_equal(query_vector(encoder, "cook"), first)
    assert encoder.queries.calls == 1
    encoder.encode_query("driver")
    encoder.encode_query("welder")  # "cook" is now the least recently used: forgotten
    encoder.encode_query("cook")
    assert encoder.queries.calls == 4
    np.testing.assert_allclose(first, encoder.encode(["cook"])[0], atol=1e-5)


def test_queries_are_never_written_to_the_disk_store(tmp_path):
    encoder = CachedEncoder(DEFAULT_MODEL, cache_dir=tmp_path)
    encoder.encode_query("plumber in Riyadh")
    assert encoder.store.count(DEFAULT_MODEL) == 0
    encoder.encode(["plumber in Riyadh"])  # documents are
    assert encoder.store.count(DEFAULT_MODEL) == 1


def test_set_torch_threads_gives_torch_and_openmp_that_many_threads():
    code = ("import os, torch; from matching.encoder import set_torch_threads; "
            "set_torch_threads(1); print(torch.get_num_threads(), os.environ['OMP_NUM_THREADS'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": "4"}, check=True)
    assert done.stdout.split() == ["1", "1"]
