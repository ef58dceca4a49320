#!/usr/bin/python3
"""Regenerates overtune's shipped corpus and task files from two Debian packages.

    apt-get install wordnet-base dict-jargon
    /usr/bin/python3 corpus/make_corpus.py          # rewrite the files
    /usr/bin/python3 corpus/make_corpus.py --check  # exit 1 if the shipped text differs

Sources: WordNet 3.0 (/usr/share/wordnet, Princeton's licence: LICENSE-wordnet.txt must travel
with the data) and the Jargon File 4.4.7 (/usr/share/dictd/jargon.dict.dz, public domain).

Everything is a pure function of those files: synsets and Jargon entries are assigned to a split
by a SHA-256 of a stable key, lines are written in a fixed order, and gzip is written with no
timestamp or name, so the same packages give the same text (the compressed bytes can still
change with the zlib version; --check compares the text).
"""

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import re
import sys

WORDNET = "/usr/share/wordnet"
WORDNET_LEXNAMES_MAN = "/usr/share/man/man5/lexnames.5WN.gz"
WORDNET_COPYRIGHT = "/usr/share/doc/wordnet-base/copyright"
JARGON_DICT = "/usr/share/dictd/jargon.dict.dz"
JARGON_INDEX = "/usr/share/dictd/jargon.index"
JARGON_COPYRIGHT = "/usr/share/doc/dict-jargon/copyright"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOURCES = os.path.join(ROOT, "engine", "src", "main", "resources", "dev", "overtune")
CORPUS_DIR = os.path.join(RESOURCES, "corpus")
TASKS_DIR = os.path.join(RESOURCES, "tasks")

POS_FILES = [("noun", "data.noun"), ("verb", "data.verb"), ("adj", "data.adj"), ("adv", "data.adv")]
POS_WORD = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
POS_CHOICES = ["noun", "verb", "adjective", "adverb"]

# Synset buckets out of 100: pre-training text, held-out text of the same distribution, and a pool
# the tasks draw from, disjoint from both so fine-tuning never sees pre-training glosses.
PRETRAIN_BUCKETS = range(0, 88)
OOD_BUCKETS = range(88, 92)
TASK_BUCKETS = range(92, 100)

SPLIT_CAPS = {"train": 4000, "validation": 500, "test": 500}
POS_PER_CLASS = 1000


def bucket(key, buckets=100):
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % buckets


def split_of(key):
    """80/10/10 by hash, salted so it is independent of the synset buckets."""
    b = bucket("split:" + key, 10)
    return "test" if b == 0 else "validation" if b == 1 else "train"


# ---------------------------------------------------------------- WordNet

def lexnames():
    """Lexicographer file number -> name (noun.animal, ...), read from the installed lexnames(5WN)."""
    names = {}
    with gzip.open(WORDNET_LEXNAMES_MAN, "rt", encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^(\d\d)\t(\S+)\s", line)
            if m:
                names[int(m.group(1))] = m.group(2)
    if len(names) != 45:
        sys.exit(f"{WORDNET_LEXNAMES_MAN}: expected 45 lexicographer files, found {len(names)}")
    return names


def clean_lemma(word):
    return re.sub(r"\((a|p|ip)\)$", "", word).replace("_", " ")


def split_gloss(gloss):
    """A gloss is 'definition; "example"; "example"': quoted parts are examples, the rest the definition."""
    definition, examples = [], []
    for part in gloss.strip().split("; "):
        part = part.strip()
        if len(part) >= 2 and part.startswith('"') and part.endswith('"') and part.count('"') == 2:
            examples.append(part[1:-1].strip())
        elif part:
            definition.append(part)
    return "; ".join(definition).strip(), [e for e in examples if e]


def synsets(names):
    for _, filename in POS_FILES:
        path = os.path.join(WORDNET, filename)
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith("  "):  # the licence header
                    continue
                head, gloss = line.rstrip("\n").split(" | ", 1)
                fields = head.split()
                offset, lex_filenum, ss_type, w_cnt = fields[0], int(fields[1]), fields[2], int(fields[3], 16)
                words = [clean_lemma(fields[4 + 2 * i]) for i in range(w_cnt)]
                definition, examples = split_gloss(gloss)
                if not definition:
                    continue
                yield {
                    "key": ss_type.replace("s", "a") + offset,
                    "pos": POS_WORD[ss_type],
                    "lexname": names[lex_filenum],
                    "words": words,
                    "definition": definition,
                    "examples": examples,
                }


def wordnet_line(s):
    text = f"{', '.join(s['words'])} ({s['pos']}): {s['definition']}."
    for e in s["examples"]:
        text += f' "{e}"'
    return text


# ---------------------------------------------------------------- Jargon File

DICTD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def dictd_number(s):
    n = 0
    for c in s:
        n = n * 64 + DICTD_B64.index(c)
    return n


def jargon_entries():
    with gzip.open(JARGON_DICT, "rb") as f:
        data = f.read()
    seen = set()
    with open(JARGON_INDEX, encoding="utf-8") as f:
        for line in f:
            headword, offset, length = line.rstrip("\n").split("\t")
            if headword.startswith("00-database") or (offset, length) in seen:
                continue
            seen.add((offset, length))
            start = dictd_number(offset)
            raw = data[start:start + dictd_number(length)].decode("utf-8")
            entry = jargon_entry(raw)
            if entry:
                yield entry


def jargon_entry(raw):
    """'headword\\n header\\n\\n    wrapped paragraphs' -> headword, header and unwrapped paragraphs."""
    lines = raw.rstrip().split("\n")
    headword = lines[0].strip()
    header = lines[1].strip() if len(lines) > 1 else ""
    header = re.sub(r"^//,?\s*", "", header)
    paragraphs, current = [], []
    for line in lines[2:] + [""]:
        if line.strip():
            current.append(line)
            continue
        if current:
            preformatted = any(l.startswith(" " * 6) for l in current)
            if preformatted:
                text = "\n".join(l[4:] if l.startswith("    ") else l.strip() for l in current)
            else:
                text = " ".join(l.strip() for l in current)
            text = re.sub(r"\{\s*([^{}]*?)\s*\}", lambda m: re.sub(r"\s+", " ", m.group(1)), text)
            paragraphs.append(text.rstrip())
            current = []
    if not paragraphs:
        return None
    title = headword + (f" ({header})" if header else "")
    return {"key": headword, "text": title + "\n" + "\n".join(paragraphs) + "\n"}


# ---------------------------------------------------------------- tasks

def capped(examples):
    """Per split, at most SPLIT_CAPS examples, taken in hash order so a cap keeps a random sample."""
    out = {"train": [], "validation": [], "test": []}
    for key, example in sorted(examples, key=lambda kv: (bucket("order:" + kv[0], 1 << 62), kv[0])):
        split = split_of(key)
        if len(out[split]) < SPLIT_CAPS[split]:
            out[split].append(example)
    return out


def supersense_task(pool):
    examples = []
    for s in pool:
        if s["pos"] != "noun" or s["lexname"] == "noun.Tops":
            continue
        label = s["lexname"].split(".", 1)[1]
        examples.append((s["key"], {"text": f"Definition: {s['definition']}\nCategory:", "label": label}))
    return capped(examples)


def pos_task(pool):
    per_class = {}
    for s in sorted(pool, key=lambda s: bucket("pos:" + s["key"], 1 << 30)):
        bucket_list = per_class.setdefault(s["pos"], [])
        if len(bucket_list) < POS_PER_CLASS:
            bucket_list.append(s)
    examples = []
    for pos in POS_CHOICES:
        for s in per_class.get(pos, []):
            examples.append((s["key"], {"context": f"Definition: {s['definition']}\nPart of speech:",
                                        "choices": POS_CHOICES, "gold": POS_CHOICES.index(pos)}))
    return capped(examples)


def define_task(pool):
    examples = []
    for s in pool:
        examples.append((s["key"], {"prompt": f"Word: {s['words'][0]}\nDefinition:",
                                    "completion": f" {s['definition']}\n"}))
    return capped(examples)


def jargon_task(entries):
    return capped([(e["key"], {"text": e["text"]}) for e in entries])


TASKS = [
    ("wordnet-supersense", "classification",
     "Supersense (WordNet lexicographer file, e.g. animal, artifact) of a noun synset from its definition."),
    ("wordnet-pos", "multiple_choice",
     "Part of speech (noun, verb, adjective, adverb) of a synset from its definition, scored by log-likelihood."),
    ("wordnet-define", "prompt_completion",
     "Write the WordNet definition of a word; the loss is on the definition only."),
    ("jargon-lm", "language_modeling",
     "Language modelling on entries of the Jargon File 4.4.7 (a domain shift from WordNet's glosses)."),
]


# ---------------------------------------------------------------- output

class Output:
    def __init__(self, check):
        self.check = check
        self.differences = []
        self.sizes = []

    def text(self, path, content, compress):
        data = content.encode("utf-8")
        if self.check:
            if not os.path.exists(path):
                self.differences.append(f"{path}: missing")
                return
            with open(path, "rb") as f:
                shipped = f.read()
            if compress:
                shipped = gzip.decompress(shipped)
            if shipped != data:
                self.differences.append(f"{path}: differs from what the packages give")
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if compress:
            buf = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
                gz.write(data)
            data_out = buf.getvalue()
        else:
            data_out = data
        with open(path, "wb") as f:
            f.write(data_out)
        self.sizes.append((os.path.relpath(path, ROOT), len(data), len(data_out)))


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n" for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing")
    args = parser.parse_args()
    for path in (WORDNET, JARGON_DICT, JARGON_INDEX):
        if not os.path.exists(path):
            sys.exit(f"{path}: not found; install the Debian packages wordnet-base and dict-jargon")

    out = Output(args.check)
    names = lexnames()
    pretrain, ood, pool = [], [], []
    for s in synsets(names):
        b = bucket("synset:" + s["key"])
        (pretrain if b in PRETRAIN_BUCKETS else ood if b in OOD_BUCKETS else pool).append(s)
    entries = list(jargon_entries())

    out.text(os.path.join(CORPUS_DIR, "wordnet-pretrain.txt.gz"), "".join(wordnet_line(s) + "\n" for s in pretrain), True)
    out.text(os.path.join(CORPUS_DIR, "wordnet-ood.txt.gz"), "".join(wordnet_line(s) + "\n" for s in ood), True)
    out.text(os.path.join(CORPUS_DIR, "jargon.txt.gz"), "\n".join(e["text"] for e in entries), True)
    with open(WORDNET_COPYRIGHT, encoding="utf-8") as f:
        wordnet_licence = f.read().split("License: WordNet3.0\n", 1)[1].split("\n\nFiles:", 1)[0]
    out.text(os.path.join(CORPUS_DIR, "LICENSE-wordnet.txt"),
             "The wordnet-* corpus files and the wordnet-* tasks are derived from WordNet 3.0\n"
             "(Debian package wordnet-base). They are distributed under WordNet's licence:\n\n"
             + "\n".join(l[1:] if l.startswith(" ") else l for l in wordnet_licence.split("\n"))
             .replace("\n.\n", "\n\n") + "\n", False)
    with open(JARGON_COPYRIGHT, encoding="utf-8") as f:
        jargon_notice = f.read().split("License: public-domain\n", 1)[1].split("\n\nFiles:", 1)[0]
    out.text(os.path.join(CORPUS_DIR, "LICENSE-jargon.txt"),
             "The jargon corpus file and the jargon-lm task are derived from the Jargon File, version 4.4.7,\n"
             "29 Dec 2003 (Debian package dict-jargon), which is in the public domain:\n\n"
             + "\n".join(l.strip() for l in jargon_notice.split("\n")) + "\n", False)

    built = {
        "wordnet-supersense": supersense_task(pool),
        "wordnet-pos": pos_task(pool),
        "wordnet-define": define_task(pool),
        "jargon-lm": jargon_task(entries),
    }
    for name, kind, description in TASKS:
        source = "jargon" if name.startswith("jargon") else "wordnet"
        meta = {"name": name, "kind": kind, "description": description,
                "source": "Jargon File 4.4.7" if source == "jargon" else "WordNet 3.0",
                "license": f"../../corpus/LICENSE-{source}.txt"}
        out.text(os.path.join(TASKS_DIR, name, "task.json"), json.dumps(meta, indent=2) + "\n", False)
        for split, rows in built[name].items():
            out.text(os.path.join(TASKS_DIR, name, f"{split}.jsonl.gz"), jsonl(rows), True)
    out.text(os.path.join(TASKS_DIR, "tasks.txt"), "".join(name + "\n" for name, _, _ in TASKS), False)

    if args.check:
        for d in out.differences:
            print(d, file=sys.stderr)
        print("shipped corpus and tasks match the packages" if not out.differences else
              f"{len(out.differences)} file(s) differ: rerun without --check", file=sys.stderr)
        sys.exit(1 if out.differences else 0)
    for path, raw, stored in out.sizes:
        print(f"{stored:>10,} bytes  ({raw:>10,} raw)  {path}")
    print(f"{sum(s for _, _, s in out.sizes):>10,} bytes in all")


if __name__ == "__main__":
    main()
