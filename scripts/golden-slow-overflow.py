#!/usr/bin/python3
"""Golden for the slow BertTokenizer's overflow fields, recorded from the REAL transformers 4.31 code.

Writes test/fixtures/tokenizer/slow_overflow.json: what Python's slow `BertTokenizer` returns (or raises, or
logs) for `return_overflowing_tokens` with `stride`, over the two vocabularies of ../shared/golden/vocab
(identical copies in test/fixtures/vocab): single texts and pairs; truncation longest_first / only_first /
only_second / none; several max_length and stride values (stride >= what is left included); truncation_side
left and right; with and without return_tensors; batches (padded and not); `prepare_for_model(ids, None, ...)`
and `prepare_for_model(ids, pair_ids, ...)`; and the inputs where Python raises or logs an error.
test/tokenizer_slow_overflow.test.ts asserts bertlab's BertTokenizer against it. Python only makes this file;
no test runs Python.

Which transformers: the tree of huggingface/transformers main at 49eb357564c7 ("Fix token pass (#24862)",
2023-07-17), the commit the v4.31-release branch was cut from: main's next commit, e9ad51306, bumps the version
to 4.32.0.dev0, and v4.31.0 (e42587f5, the commit ../shared/golden's other goldens name) was tagged on that
branch the next day. The transformers repository with its tags was too large to bring here, so the tag itself
could not be checked out: what may differ is only what the release branch got in that day (its __version__
reads "4.31.0.dev0"; the file records the commit given with --commit). To guard that, before writing anything
the script checks that this tree reproduces every slow encoding and truncation variant of
test/fixtures/tokenizer/cases.json (recorded from v4.31.0 itself; 590 checks) and refuses to write if one
differs.

How to run (Debian 12's /usr/bin/python3, which is Python 3.11):
    apt-get install python3-numpy python3-regex python3-packaging python3-filelock python3-yaml \
        python3-requests python3-tqdm python3-torch
    git -C <a clone with transformers' main history> archive 49eb35756 src/transformers | tar -x -C /tmp/hf431
    /usr/bin/python3 scripts/golden-slow-overflow.py --transformers /tmp/hf431/src --commit 49eb357564c74ca3e1813dc2a8bf036ca81ec535
(from the repository root; --vocab and --out have defaults).

Shims, both for code the slow tokenizer never runs (documented here as the brief asks):
  * huggingface_hub is not packaged for Debian 12. transformers/utils/hub.py and utils/logging.py import names
    from it at import time (hub downloads, progress-bar switches); a stand-in package, written to a temporary
    folder, answers every such name with a placeholder that fails if it is ever called. The tokenizers are
    built with BertTokenizer(vocab_file, **tokenizer_config.json) and sanitize_special_tokens() (what
    from_pretrained ends with), so no hub code runs.
  * transformers.dependency_versions_check only checks installed versions at import (it would refuse the
    missing huggingface_hub and safetensors, neither of which the slow tokenizer uses); it is replaced by an
    empty module.
The Rust `tokenizers` package is not installed, so transformers sees no fast tokenizer: only the slow class is
used, which is the point.

return_tensors: TensorFlow is not packaged for Debian; the cases ask for "pt" (Debian's torch 1.13.1) as the
stand-in for bertlab's "tf". BatchEncoding.convert_to_tensors treats both alike: tf.constant and torch.tensor
both take the shape from the first element and raise ValueError on ragged lists (caught and re-raised as
transformers' own messages), both skip that check when the shape has no elements (a first empty list gives an
empty [batch, 0] tensor whatever the others hold: TensorFlow's py_seq_tensor.cc fills only when NumElements() >
0), and both infer an integer type from Python ints and float32 from an empty list. Tensors are recorded as
{tensor: true, shape, dtype: "int" | "float", data}; bertlab maps "int" to int32, as tf.constant does.

Logs: every record transformers logs during a case is kept ({level, message}). Python 3.11 formats the
TruncationStrategy enum in f-strings as "TruncationStrategy.ONLY_FIRST" (Python 3.8-3.10 wrote "only_first").
"""
import argparse
import json
import logging
import os
import sys
import tempfile
import types
import warnings

HUB_SHIM = '''
"""Stand-in for huggingface_hub (not packaged for Debian 12), written by scripts/golden-slow-overflow.py.
transformers imports these names at import time; the slow tokenizer never calls them."""
import sys, types

class _Placeholder(Exception):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("huggingface_hub stand-in: hub code is not available here")

def _name(mod, name):
    if name.startswith("__"):
        raise AttributeError(name)
    return type(name, (_Placeholder,), {})

def __getattr__(name):
    return _name(__name__, name)

for _sub in ("utils", "file_download", "constants"):
    _m = types.ModuleType(__name__ + "." + _sub)
    _m.__getattr__ = lambda name, _s=_sub: _name(_s, name)
    sys.modules[_m.__name__] = _m
    globals()[_sub] = _m
'''

TEXTS = {
    "letters": "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "seed": "The quick brown fox jumps over the lazy dog near the riverbank.",
    "question": "Where does the fox jump?",
    "short": "Hello world",
    "word": "tokenization",
    "empty": "",
    "accents": "Café Müller's naïve résumé costs €12,50 — really?",
    "long": "BERT uses WordPiece tokenization: unaffable becomes un ##aff ##able, and transformers truncates long inputs.",
}
PAIRS = [("question", "seed"), ("short", "letters"), ("seed", "short"), ("letters", "word"), ("word", "empty"), ("accents", "long")]
SINGLES = ["letters", "seed", "short", "word", "empty", "accents", "long"]


def tensor_or_value(v):
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a documented requirement
        torch = None
    if torch is not None and isinstance(v, torch.Tensor):
        return {"tensor": True, "shape": list(v.shape), "dtype": "float" if v.is_floating_point() else "int", "data": v.tolist()}
    return v


CHECK_VARIANTS = {  # the call options behind cases.json's `variants` (test/fixtures/tokenizer/variants.ts)
    "trunc16_longest_first_pad_max": dict(max_length=16, truncation="longest_first", padding="max_length"),
    "trunc16_only_first_pad_max": dict(max_length=16, truncation="only_first", padding="max_length"),
    "trunc16_only_second_pad_max": dict(max_length=16, truncation="only_second", padding="max_length"),
    "trunc8_pad_max": dict(max_length=8, truncation=True, padding="max_length"),
    "pad_max32_no_trunc": dict(max_length=32, padding="max_length"),
}


def same_as_release(toks, path):
    """This tree must give what transformers v4.31.0 gave for the tokenizer golden (ids, masks, decode, variants)."""
    with open(path) as f:
        golden = json.load(f)
    checks, differ = 0, []
    for c in golden["cases"]:
        tok = toks[("bert-base-" + c["vocab"], "right")]
        want = c["slow"]
        got = tok(c["text"], c.get("text_pair"), return_special_tokens_mask=True)
        checks += 1
        if [got[k] for k in ("input_ids", "token_type_ids", "special_tokens_mask")] != [want[k] for k in ("input_ids", "token_type_ids", "special_tokens_mask")] or tok.decode(got["input_ids"]) != want["decode"]:
            differ.append(c["id"])
        for name, w in want["variants"].items():
            checks += 1
            try:
                r = tok(c["text"], c.get("text_pair"), return_special_tokens_mask=True, **CHECK_VARIANTS[name])
                if "error" in w or [r[k] for k in ("input_ids", "attention_mask", "special_tokens_mask")] != [w[k] for k in ("input_ids", "attention_mask", "special_tokens_mask")]:
                    differ.append(f"{c['id']} {name}")
            except Exception:
                if "error" not in w:
                    differ.append(f"{c['id']} {name} (raised)")
    if differ:
        sys.exit(f"this transformers tree differs from v4.31.0 on {len(differ)} of {checks} checks of {path}: {differ[:10]}")
    print(f"{checks} checks of {path} (transformers v4.31.0) reproduced")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append({"level": record.levelname.lower(), "message": record.getMessage()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--transformers", required=True, help="the src/ folder of a transformers tree (see the docstring for the commit)")
    ap.add_argument("--commit", required=True, help="the transformers commit that tree is, recorded in the file")
    ap.add_argument("--vocab", default="test/fixtures/vocab", help="folder with bert-base-uncased/ and bert-base-cased/ (vocab.txt + tokenizer_config.json)")
    ap.add_argument("--out", default="test/fixtures/tokenizer/slow_overflow.json")
    ap.add_argument("--check", default="test/fixtures/tokenizer/cases.json", help="the v4.31.0 tokenizer golden this tree must reproduce first")
    args = ap.parse_args()

    shim_dir = tempfile.mkdtemp(prefix="hub-shim-")
    os.makedirs(os.path.join(shim_dir, "huggingface_hub"))
    with open(os.path.join(shim_dir, "huggingface_hub", "__init__.py"), "w") as f:
        f.write(HUB_SHIM)
    sys.path.insert(0, shim_dir)
    sys.path.insert(0, os.path.abspath(args.transformers))
    sys.modules["transformers.dependency_versions_check"] = types.ModuleType("transformers.dependency_versions_check")

    import numpy  # noqa: F401  (a hard import of transformers)
    import torch
    import transformers
    from transformers import BertTokenizer

    assert transformers.__version__.startswith("4.31."), f"expected transformers 4.31, got {transformers.__version__}"
    assert transformers.__file__.startswith(os.path.abspath(args.transformers)), transformers.__file__
    assert not transformers.is_tokenizers_available(), "the Rust tokenizers package is installed: uninstall it or use a clean python"

    capture = Capture()
    tlog = logging.getLogger("transformers")
    for h in list(tlog.handlers):
        tlog.removeHandler(h)  # transformers' own stderr handler: the records go to the file instead
    tlog.addHandler(capture)
    tlog.setLevel(logging.DEBUG)
    tlog.propagate = False

    toks = {}
    for vocab in ("bert-base-uncased", "bert-base-cased"):
        folder = os.path.join(args.vocab, vocab)
        with open(os.path.join(folder, "tokenizer_config.json")) as f:
            config = json.load(f)
        for side in ("right", "left"):
            tok = BertTokenizer(os.path.join(folder, "vocab.txt"), truncation_side=side, **config)
            tok.sanitize_special_tokens()  # what from_pretrained does last (special tokens in a text stay whole)
            toks[(vocab, side)] = tok

    same_as_release(toks, args.check)

    cases = []

    def run(case_id, vocab, side, kind, inputs, options):
        tok = toks[(vocab, side)]
        tok.deprecation_warnings = {}  # each case starts with transformers' warn-once flags clear
        capture.records = []
        case = {"id": case_id, "vocab": vocab, "truncation_side": side, "kind": kind, **inputs, "options": options}
        if kind == "call":  # texts by name (the file's `texts` table); the call gets the strings
            named = {v: k for k, v in TEXTS.items()}
            for key in ("text", "text_pair"):
                if key in inputs:
                    x = inputs[key]
                    case[key] = [named[t] for t in x] if isinstance(x, list) else named[x]
        call_options = dict(options)
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            try:
                if kind == "call":
                    out = tok(inputs["text"], text_pair=inputs.get("text_pair"), **call_options)
                elif kind == "prepare_for_model":
                    out = tok.prepare_for_model(inputs["ids"], inputs.get("pair_ids"), **call_options)
                else:
                    raise ValueError(kind)
                case["result"] = {"keys": list(out.keys()), "fields": {k: tensor_or_value(v) for k, v in out.items()}}
            except Exception as e:  # what Python raises is part of the golden
                case["error"] = {"type": type(e).__name__, "message": str(e)}
        case["logs"] = capture.records + [{"level": "python_warning", "message": str(w.message)} for w in warned]
        cases.append(case)

    ov = {"return_overflowing_tokens": True}
    for vocab in ("bert-base-uncased", "bert-base-cased"):
        v = "uncased" if vocab.endswith("uncased") else "cased"
        full = v == "uncased"  # the whole grid on the uncased vocabulary, a cut of it on the cased one
        # Single texts: every strategy, max_length from below the special tokens to above the text, strides up to
        # and past what is left.
        for name in SINGLES if full else ["accents"]:
            for trunc in (True, "only_first", "only_second", False, None):
                for max_length in (1, 2, 5, 8, 64):
                    for stride in (0, 3, 50):
                        opts = {**ov, "max_length": max_length, "stride": stride}
                        if trunc is not None:
                            opts["truncation"] = trunc
                        for side in ("right", "left") if (trunc is True and max_length in (5, 8)) else ("right",):
                            run(f"{v}/single/{name}/{trunc}/max{max_length}/stride{stride}/{side}", vocab, side, "call", {"text": TEXTS[name]}, opts)
            # return_tensors, one text (prepend_batch_axis: [1, k]); an empty overflow too.
            for trunc, max_length, stride in ((True, 8, 2), ("only_first", 5, 50), (True, 64, 2), ("only_first", 1, 0)):
                run(f"{v}/single_pt/{name}/{trunc}/max{max_length}/stride{stride}", vocab, "right", "call", {"text": TEXTS[name]},
                    {**ov, "truncation": trunc, "max_length": max_length, "stride": stride, "return_tensors": "pt"})
        # max_length 0 truncates nothing in Python (`if ... and max_length and total_len > max_length`).
        for trunc in (True, "only_first"):
            run(f"{v}/single/letters/{trunc}/max0/stride2/right", vocab, "right", "call", {"text": TEXTS["letters"]},
                {**ov, "truncation": trunc, "max_length": 0, "stride": 2})
        # The same truncation without return_overflowing_tokens (one code path in Python): tiny and zero
        # max_length, only_second on one text, pairs with longest_first.
        for name in ("letters", "short", "empty") if full else ("accents",):
            for trunc in (True, "only_first", "only_second"):
                for max_length in (0, 1, 2, 5):
                    run(f"{v}/plain/{name}/{trunc}/max{max_length}", vocab, "right", "call", {"text": TEXTS[name]},
                        {"truncation": trunc, "max_length": max_length})
        for a, b in PAIRS[:3] if full else PAIRS[5:]:
            for trunc in (True, "only_first", "only_second"):
                for max_length in (0, 2, 3, 6, 9):
                    run(f"{v}/plain/{a}+{b}/{trunc}/max{max_length}", vocab, "right", "call", {"text": TEXTS[a], "text_pair": TEXTS[b]},
                        {"truncation": trunc, "max_length": max_length})
        # The strategy by name is the same as truncation=True for one text.
        run(f"{v}/single/letters/longest_first/max8/stride3/right", vocab, "right", "call", {"text": TEXTS["letters"]},
            {**ov, "truncation": "longest_first", "max_length": 8, "stride": 3})
        # No max_length: truncation to model_max_length (512), or none at all (Python then fails on None).
        for trunc in (True, False, "only_first", None):
            opts = {**ov, "stride": 2}
            if trunc is not None:
                opts["truncation"] = trunc
            run(f"{v}/single/seed/{trunc}/no_max_length", vocab, "right", "call", {"text": TEXTS["seed"]}, opts)
        # Pairs.
        for a, b in PAIRS if full else PAIRS[5:]:
            for trunc in (True, "only_first", "only_second", False):
                for max_length in (3, 6, 14, 64):
                    for stride in (0, 2, 50):
                        if trunc is True and stride == 50:
                            continue  # longest_first pairs raise whatever the stride
                        opts = {**ov, "truncation": trunc, "max_length": max_length, "stride": stride}
                        sides = ("right", "left") if (trunc in ("only_first", "only_second") and max_length in (6, 14)) else ("right",)
                        for side in sides:
                            run(f"{v}/pair/{a}+{b}/{trunc}/max{max_length}/stride{stride}/{side}", vocab, side, "call",
                                {"text": TEXTS[a], "text_pair": TEXTS[b]}, opts)
            for trunc, max_length, stride in (("only_second", 12, 2), ("only_first", 9, 1), (True, 12, 0), ("only_second", 64, 2)):
                run(f"{v}/pair_pt/{a}+{b}/{trunc}/max{max_length}/stride{stride}", vocab, "right", "call",
                    {"text": TEXTS[a], "text_pair": TEXTS[b]},
                    {**ov, "truncation": trunc, "max_length": max_length, "stride": stride, "return_tensors": "pt"})
            # Padding with one text.
            run(f"{v}/pair/{a}+{b}/only_second/max16/stride2/pad_max", vocab, "right", "call",
                {"text": TEXTS[a], "text_pair": TEXTS[b]},
                {**ov, "truncation": "only_second", "max_length": 16, "stride": 2, "padding": "max_length"})
        # Batches: lists of texts and of pairs, padded or not, with and without tensors.
        batches = {
            "texts": {"text": [TEXTS[n] for n in ("letters", "seed", "short", "empty")]},
            "texts_same_cut": {"text": [TEXTS["letters"], TEXTS["letters"]]},
            "texts_fit": {"text": [TEXTS["short"], TEXTS["word"]]},
            "pairs": {"text": [TEXTS[a] for a, _ in PAIRS], "text_pair": [TEXTS[b] for _, b in PAIRS]},
            "pairs_same_cut": {"text": [TEXTS["question"], TEXTS["question"]], "text_pair": [TEXTS["letters"], TEXTS["letters"]]},
        }
        for bname, inputs in batches.items():
            if not full and bname != "pairs":
                continue
            for trunc in (True, "only_first", "only_second"):
                for max_length, stride in ((6, 0), (10, 2), (10, 50), (64, 2)):
                    for padding, rt in ((False, None), (True, None), (False, "pt"), (True, "pt"), ("max_length", "pt")):
                        opts = {**ov, "truncation": trunc, "max_length": max_length, "stride": stride}
                        if padding is not False:
                            opts["padding"] = padding
                        if rt is not None:
                            opts["return_tensors"] = rt
                        run(f"{v}/batch/{bname}/{trunc}/max{max_length}/stride{stride}/pad{padding}/{rt}", vocab, "right", "call", inputs, opts)
        # prepare_for_model on ids: pair_ids None (Python's default) and a pair; one-dimensional tensors.
        tok = toks[(vocab, "right")]
        ids = tok.encode(TEXTS["letters"], add_special_tokens=False)
        pair_ids = tok.encode(TEXTS["seed"], add_special_tokens=False)
        for pname, inputs in (("ids_none", {"ids": ids, "pair_ids": None}), ("ids_pair", {"ids": pair_ids, "pair_ids": ids}))[: 2 if full else 1]:
            for trunc in (True, "only_first", "only_second", False):
                for max_length, stride in ((8, 2), (8, 50), (64, 0)):
                    for extra in ({}, {"return_tensors": "pt"}, {"return_tensors": "pt", "prepend_batch_axis": True}, {"add_special_tokens": False}, {"padding": "max_length"}):
                        opts = {**ov, "truncation": trunc, "max_length": max_length, "stride": stride, **extra}
                        tag = "/".join(f"{k}={extra[k]}" for k in extra) or "plain"
                        run(f"{v}/prepare_for_model/{pname}/{trunc}/max{max_length}/stride{stride}/{tag}", vocab, "right", "prepare_for_model", inputs, opts)
            # Without return_overflowing_tokens, pair_ids=None is the plain single-sequence path.
            run(f"{v}/prepare_for_model/{pname}/no_overflow", vocab, "right", "prepare_for_model", inputs, {"truncation": True, "max_length": 8})
            run(f"{v}/prepare_for_model/{pname}/no_overflow_pt", vocab, "right", "prepare_for_model", inputs, {"truncation": True, "max_length": 8, "return_tensors": "pt"})

    meta = {
        "oracle": f"transformers {transformers.__version__} slow BertTokenizer (pure Python), commit {args.commit}",
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "generator": "scripts/golden-slow-overflow.py",
        "notes": [
            "return_tensors 'pt' (torch) stands in for 'tf': {tensor, shape, dtype int|float, data}; tf.constant gives int32 / float32",
            "text / text_pair of a call case name entries of `texts` (a list of names for a batch)",
            "error: {type, message} where Python raised; logs: what transformers logged (level, message) plus Python warnings",
            "Python 3.11 formats TruncationStrategy in log messages as TruncationStrategy.ONLY_FIRST (3.8-3.10: only_first)",
        ],
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        # One case a line, so a regenerated file diffs case by case.
        compact = dict(ensure_ascii=False, separators=(",", ":"))
        f.write('{"meta":' + json.dumps(meta, **compact) + ',"texts":' + json.dumps(TEXTS, **compact) + ',"cases":[\n')
        f.write(",\n".join(json.dumps(c, **compact) for c in cases))
        f.write("\n]}\n")
    os.replace(tmp, args.out)
    print(f"wrote {len(cases)} cases to {args.out} ({sum('error' in c for c in cases)} raise, "
          f"{sum(any(l['level'] == 'error' for l in c['logs']) for c in cases)} log an error)")


if __name__ == "__main__":
    main()
