"""kb.tokens: the terms documents are indexed by are the terms queries are searched by."""

import re

import pytest

from kb import tokens


def test_words_are_lowercased_and_split_at_separators():
    assert tokens.terms("torch.float32 running_mean cuda:0") == ["torch", "float32", "run", "mean", "cuda"]


def test_numbers_single_letters_and_stopwords_are_not_terms():
    assert tokens.terms("the 256 x of 0th 0x7f3a [32, 50] is a") == []


def test_camel_case_names_keep_the_whole_name_and_add_their_words():
    assert tokens.terms("BatchNorm1d") == ["batchnorm1d", "batch", "norm"]
    assert tokens.terms("CUDAError") == ["cudaerror", "cuda", "error"]


def test_a_name_with_one_word_gives_one_term():
    assert tokens.terms("CUDA Linear") == ["cuda", "linear"]


@pytest.mark.parametrize(("inflected", "base"), [
    ("gradients", "gradient"), ("padded", "padding"), ("shapes", "shaped"), ("entries", "entry"),
    ("embeddings", "embedded"), ("losses", "loss"), ("biases", "bias"), ("devices", "device"),
])
def test_inflections_of_a_word_share_its_stem(inflected, base):
    assert tokens.stem(inflected) == tokens.stem(base)


@pytest.mark.parametrize("word", ["loss", "axis", "status", "string", "fill", "cuda", "nan", "bias"])
def test_words_that_only_look_inflected_keep_their_letters(word):
    assert tokens.stem(word) == word


def test_query_terms_are_distinct_in_first_seen_order_and_bounded():
    assert tokens.query_terms("loss Loss losses grad loss") == ["loss", "grad"]
    assert len(tokens.query_terms(" ".join(f"word{i}" for i in range(200)), limit=64)) == 64


def test_every_term_survives_sqlite_unicode61_unchanged():
    text = "RuntimeError: Expected all tensors to be on the same device, but found cuda:0 and cpu! Ünïcode naïve"
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", term) for term in tokens.terms(text))


def test_indexed_text_is_the_terms_joined():
    assert tokens.indexed_text("Padded sequences") == "pad sequenc"
