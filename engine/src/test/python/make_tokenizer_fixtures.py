#!/usr/bin/env python3
"""A SentencePiece-style tokenizer.json and the ids SentencePiece itself gives, for HfTokenizerTest.

What it is
    Trains a small SentencePiece BPE model (Debian's python3-sentencepiece, the C++ library Llama-2
    and Mistral were tokenized with) on the shipped WordNet glosses with byte fallback, writes it as
    a Hugging Face tokenizer.json the way Llama-2/Mistral checkpoints carry theirs (BPE with
    byte_fallback, a Metaspace pre-tokenizer prepending "\u2581" to the first word, merges ordered by
    the score of the piece they make), and writes the ids SentencePiece gives for test texts. The
    Java test runs the tokenizer.json through the Hugging Face library and must get the same ids:
    two implementations that share no code.

How to run (from the repository root)
    /usr/bin/python3 engine/src/test/python/make_tokenizer_fixtures.py

Output: engine/src/test/resources/tokenizers/sentencepiece-bpe/: tokenizer.json (Mistral's layout:
a Metaspace pre-tokenizer, prepend_scheme "first"), tokenizer-llama2.json (Llama-2's: Prepend and
Replace normalizers) and expected.json. The Metaspace layout differs from SentencePiece on a text
that starts with a space (the Hugging Face library then prepends no "\u2581"); the test says so.
Deterministic for one SentencePiece version (0.1.97 here).
"""

import gzip
import io
import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
CORPUS = os.path.join(ROOT, "engine", "src", "main", "resources", "dev", "overtune", "corpus")
OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "tokenizers", "sentencepiece-bpe")
VOCAB = 512


def lines(name, limit):
    with gzip.open(os.path.join(CORPUS, name), "rt", encoding="utf-8") as f:
        out = []
        for line in f:
            line = line.rstrip("\n")
            if line:
                out.append(line)
            if len(out) == limit:
                return out
    return out


def train(sentences):
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, vocab_size=VOCAB, model_type="bpe",
        byte_fallback=True, character_coverage=1.0, normalization_rule_name="identity",
        add_dummy_prefix=True, remove_extra_whitespaces=False, split_digits=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2)
    return spm.SentencePieceProcessor(model_proto=model.getvalue())


def tokenizer_json(sp, llama2):
    """Mistral's layout (a Metaspace pre-tokenizer), or with llama2 Llama-2's (Prepend and Replace normalizers)."""
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    vocab = {p: i for i, (p, _) in enumerate(pieces)}
    # A merge for every split of a piece into two pieces, ordered by the score of the piece made
    # (SentencePiece BPE merges the best-scoring pair first), ties by the ids of the parts.
    merges = []
    for made, (piece, score) in enumerate(pieces):
        if sp.is_control(made) or sp.is_unknown(made) or sp.is_byte(made):
            continue
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in vocab and right in vocab:
                merges.append((score, vocab[left], vocab[right], left, right))
    merges.sort(key=lambda m: (-m[0], m[1], m[2]))
    special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]} if llama2 else None,
        "pre_tokenizer": None if llama2 else {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
                                              "split": False},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [[m[3], m[4]] for m in merges]},
    }


def main():
    train_lines = lines("wordnet-pretrain.txt.gz", 20000)
    sp = train(train_lines)
    texts = [
        "the quick brown fox",
        "Hello, world!  Two spaces, a tab\tand digits 12345.",
        "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e \U0001F600",  # unseen characters: byte fallback
        "line one\nline two\n",
    ] + lines("jargon.txt.gz", 200)[100:160] + lines("wordnet-ood.txt.gz", 40)
    expected = {"producer": "make_tokenizer_fixtures.py", "sentencepiece": spm.__version__, "vocab_size": sp.get_piece_size(),
                "texts": texts, "ids": [sp.encode(t) for t in texts]}
    os.makedirs(OUT, exist_ok=True)
    for name, llama2 in (("tokenizer.json", False), ("tokenizer-llama2.json", True)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(sp, llama2), f, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
    fallback = sum(1 for ids in expected["ids"] for i in ids if sp.is_byte(i))
    print("wrote %s: %d pieces, %d texts, %d byte-fallback ids" % (OUT, sp.get_piece_size(), len(texts), fallback))


if __name__ == "__main__":
    main()
