"""A serving process warms search at its first request, in the background; with warming
off (the test configuration) a request starts nothing."""
from __future__ import annotations

from matching import services, warmup


def test_the_first_request_warms_search_in_the_background(app, client, make):
    make.job(title="Scaffolder Doha")
    services.reset_backends()
    assert app.config["SEARCH_WARM_UP"] is False
    client.get("/")
    assert id(app) not in warmup._threads  # off: nothing started, nothing loaded

    app.config["SEARCH_WARM_UP"] = True
    try:
        assert client.get("/").status_code == 200  # answered without waiting for the model
        thread = warmup.start(app)  # the thread that request started, not a new one
        assert thread is not None and thread is warmup._threads[id(app)]
        thread.join(timeout=300)
        assert not thread.is_alive()
        # The index is open and holds the posting: the first search has nothing to wait for.
        assert services._backends and next(iter(services._backends.values())).count() == 1
    finally:
        app.config["SEARCH_WARM_UP"] = False
        warmup._threads.pop(id(app), None)
