#!/usr/bin/python3
"""Train a small BERT-style text encoder on Debian's fortune files and export it to ONNX.

Run with Debian's python (torch 1.13 from python3-torch; corpus from the `fortunes` and
`fortunes-min` packages):

    /usr/bin/python3 scripts/train_text_encoder.py [--epochs 16] [--threads 2]

The task: which fortune file a fortune comes from (8 files, see FILES). Each file is split on
lines holding a lone "%"; overstrikes ("X\\bX") are removed and whitespace is collapsed (clean()).
Fortunes found in more than one file, or twice, are dropped; each class keeps at most
PER_CLASS fortunes, the first by SHA-1 of the text. Split by hash: SHA-1(text) first 4 bytes
mod 100 < 20 is test, the rest train.

Tokenizer (mirrored exactly by src/data/text-tokenize.ts): ASCII A-Z lowered (other characters
kept as they are); tokens are maximal runs of [a-z0-9], or any single other character that is not
whitespace (" \\t\\n\\r\\v\\f"). ids = [CLS] + vocab ids of the first MAX_LEN-1 tokens; a token
not in the vocab is [UNK]. The vocab: [PAD]=0, [UNK]=1, [CLS]=2, then train tokens seen at least
twice, most frequent first (ties by the token's code points), at most VOCAB_MAX in all.

Model (inputs like Optimum's BERT exports: input_ids int64 [batch, sequence], attention_mask
int64 [batch, sequence]; output logits float32 [batch, classes]):
  token + position embeddings (Gather with int64 ids) → LayerNorm → 2 encoder layers (post-LN:
  x = LN(x + Attn(x)); x = LN(x + FFN(x)), FFN = Linear → GELU (erf form, nn.GELU()) → Linear),
  4 heads of 16, hidden 64, FFN 256; the attention mask as Transformers' 4-D additive mask
  (Unsqueeze → Expand → Cast; where the mask is 0 the score gets finfo(float32).min: Equal/Where);
  mean pool over the unmasked tokens (ReduceSum / ReduceSum); Linear classifier.
Opset 14: torch exports LayerNorm decomposed (ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add).

Outputs: models/text_encoder.onnx, models/text_encoder.json (vocab, labels, max length, torch's
fp32 test accuracy, how it was trained), data/text-encoder/test.json (the test split: cleaned
texts, labels, their token ids, torch's predictions and logits).
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import time

import torch
import torch.nn as nn

FORTUNE_DIR = "/usr/share/games/fortunes"
FILES = ["computers", "definitions", "law", "politics", "science", "songs-poems", "startrek", "zippy"]
PER_CLASS = 600
TEST_PERCENT = 20
MAX_LEN = 128
VOCAB_MAX = 4000
MIN_COUNT = 2
HIDDEN = 64
HEADS = 4
FFN = 256
LAYERS = 2
OPSET = 14
SEED = 1234
SPECIALS = ["[PAD]", "[UNK]", "[CLS]"]
PAD, UNK, CLS = 0, 1, 2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONNX_PATH = os.path.join(REPO, "models", "text_encoder.onnx")
META_PATH = os.path.join(REPO, "models", "text_encoder.json")
TEST_PATH = os.path.join(REPO, "data", "text-encoder", "test.json")

WHITESPACE = " \t\n\r\x0b\x0c"


# --------------------------------------------------------------------------- corpus
def clean(text):
    # Overstrike: a character, a backspace, a character: keep the last.
    text = re.sub(r".\x08", "", text).replace("\b", "")
    return " ".join(text.split())


def sha1_int(text):
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big")


def read_fortunes(name):
    with open(os.path.join(FORTUNE_DIR, name), "rb") as f:
        raw = f.read().decode("utf-8", errors="replace")
    entries, cur = [], []
    for line in raw.split("\n"):
        if line.strip() == "%":
            entries.append("\n".join(cur))
            cur = []
        else:
            cur.append(line)
    entries.append("\n".join(cur))
    return [t for t in (clean(e) for e in entries) if t]


def build_corpus():
    per_file = {name: read_fortunes(name) for name in FILES}
    seen = {}
    for name, texts in per_file.items():
        for t in texts:
            seen[t] = seen.get(t, 0) + 1
    train, test = [], []
    for label, name in enumerate(FILES):
        texts = sorted({t for t in per_file[name] if seen[t] == 1}, key=lambda t: (sha1_int(name + "\n" + t), t))[:PER_CLASS]
        for t in texts:
            (test if sha1_int(t) % 100 < TEST_PERCENT else train).append((t, label))
    return train, test


# ------------------------------------------------------------------------ tokenizer
def tokens_of(text):
    out, run = [], []
    for ch in text:
        if "A" <= ch <= "Z":
            ch = chr(ord(ch) + 32)
        if ("a" <= ch <= "z") or ("0" <= ch <= "9"):
            run.append(ch)
            continue
        if run:
            out.append("".join(run))
            run = []
        if ch not in WHITESPACE:
            out.append(ch)
    if run:
        out.append("".join(run))
    return out


def build_vocab(train):
    counts = {}
    for t, _ in train:
        for tok in tokens_of(t):
            counts[tok] = counts.get(tok, 0) + 1
    kept = sorted((tok for tok, c in counts.items() if c >= MIN_COUNT), key=lambda tok: (-counts[tok], [ord(c) for c in tok]))
    return SPECIALS + kept[: VOCAB_MAX - len(SPECIALS)]


def encode(text, index):
    return [CLS] + [index.get(tok, UNK) for tok in tokens_of(text)[: MAX_LEN - 1]]


# ---------------------------------------------------------------------------- model
class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, HIDDEN)
        self.v = nn.Linear(HIDDEN, HIDDEN)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.drop = nn.Dropout(0.1)

    def heads(self, x):
        b, s, _ = x.size()
        return x.view(b, s, HEADS, HIDDEN // HEADS).transpose(1, 2)

    def forward(self, x, additive):
        b, s, _ = x.size()
        q, k, v = self.heads(self.q(x)), self.heads(self.k(x)), self.heads(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS)
        p = self.drop(torch.softmax(scores + additive, dim=-1))
        ctx = torch.matmul(p, v).transpose(1, 2).reshape(b, s, HIDDEN)
        return self.o(ctx)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attention()
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ff1 = nn.Linear(HIDDEN, FFN)
        self.act = nn.GELU()
        self.ff2 = nn.Linear(FFN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, additive):
        x = self.ln1(x + self.drop(self.attn(x, additive)))
        return self.ln2(x + self.drop(self.ff2(self.act(self.ff1(x)))))


class Encoder(nn.Module):
    def __init__(self, vocab, classes):
        super().__init__()
        self.tok = nn.Embedding(vocab, HIDDEN)
        self.pos = nn.Embedding(MAX_LEN, HIDDEN)
        self.register_buffer("position_ids", torch.arange(MAX_LEN).unsqueeze(0), persistent=False)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.cls = nn.Linear(HIDDEN, classes)

    def forward(self, input_ids, attention_mask):
        b, s = input_ids.size()
        x = self.tok(input_ids) + self.pos(self.position_ids[:, :s])
        x = self.drop(self.ln(x))
        # Transformers' 4-D additive mask: [b, 1, s, s], finfo.min where the key is padding.
        expanded = attention_mask[:, None, None, :].expand(b, 1, s, s).to(torch.float32)
        additive = (1.0 - expanded).masked_fill(expanded == 0.0, torch.finfo(torch.float32).min)
        for layer in self.layers:
            x = layer(x, additive)
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        pooled = (x * m).sum(dim=1) / m.sum(dim=1)
        return self.cls(pooled)


def batches(examples, size, shuffle, rng):
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(groups)
    for g in groups:
        longest = max(len(examples[i][0]) for i in g)
        ids = torch.zeros(len(g), longest, dtype=torch.int64)
        mask = torch.zeros(len(g), longest, dtype=torch.int64)
        for row, i in enumerate(g):
            seq = examples[i][0]
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        yield g, ids, mask, torch.tensor([examples[i][1] for i in g])


def evaluate(model, examples):
    model.eval()
    logits = [None] * len(examples)
    with torch.no_grad():
        # One example at a time, unpadded: what the node tests run.
        for i, (seq, _) in enumerate(examples):
            ids = torch.tensor([seq])
            logits[i] = model(ids, torch.ones_like(ids))[0]
    preds = [int(l.argmax()) for l in logits]
    acc = sum(int(p == y) for p, (_, y) in zip(preds, examples)) / len(examples)
    return acc, preds, logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)

    train_raw, test_raw = build_corpus()
    vocab = build_vocab(train_raw)
    index = {tok: i for i, tok in enumerate(vocab)}
    train = [(encode(t, index), y) for t, y in train_raw]
    test = [(encode(t, index), y) for t, y in test_raw]
    print(f"train {len(train)}  test {len(test)}  vocab {len(vocab)}  classes {len(FILES)}", flush=True)

    model = Encoder(len(vocab), len(FILES))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        total, n = 0.0, 0
        for _, ids, mask, y in batches(train, args.batch, True, rng):
            opt.zero_grad()
            loss = loss_fn(model(ids, mask), y)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(y)
            n += len(y)
        print(f"epoch {epoch + 1}: loss {total / n:.4f}  ({time.time() - t0:.0f} s)", flush=True)
    train_seconds = time.time() - t0

    acc, preds, logits = evaluate(model, test)
    train_acc, _, _ = evaluate(model, train)
    print(f"fp32 test accuracy {acc:.4f}  train accuracy {train_acc:.4f}", flush=True)

    # Padding must not change a prediction: a padded batch gives the unpadded logits.
    model.eval()
    with torch.no_grad():
        for g, ids, mask, _ in batches(test[:64], 16, False, rng):
            out = model(ids, mask)
            for row, i in enumerate(g):
                assert torch.allclose(out[row], logits[i], atol=1e-4), "padding changed the logits"

    os.makedirs(os.path.dirname(ONNX_PATH), exist_ok=True)
    os.makedirs(os.path.dirname(TEST_PATH), exist_ok=True)
    _, ids, mask, _ = next(batches(test[:2], 2, False, rng))
    torch.onnx.export(
        model,
        (ids, mask),
        ONNX_PATH,
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    meta = {
        "model": "text_encoder.onnx",
        "task": "which Debian fortune file a fortune comes from",
        "labels": FILES,
        "inputs": {"input_ids": "int64 [batch, sequence]", "attention_mask": "int64 [batch, sequence]"},
        "output": "logits float32 [batch, classes]",
        "max_length": MAX_LEN,
        "tokenizer": {
            "lowercase": "ASCII A-Z only",
            "tokens": "maximal runs of [a-z0-9], or one other non-whitespace character",
            "whitespace": WHITESPACE,
            "prefix": "[CLS]",
            "unknown": "[UNK]",
            "truncate": MAX_LEN - 1,
        },
        "vocab": vocab,
        "architecture": {"hidden": HIDDEN, "heads": HEADS, "ffn": FFN, "layers": LAYERS, "norm": "post-LN, eps 1e-12", "activation": "GELU (erf)", "pool": "masked mean", "mask": "4-D additive, finfo(float32).min"},
        "opset": OPSET,
        "torch_fp32_test_accuracy": acc,
        "torch_fp32_train_accuracy": train_acc,
        "test_examples": len(test),
        "train_examples": len(train),
        "evaluation": "one example at a time, unpadded (attention_mask all ones)",
        "training": {
            "corpus": f"{FORTUNE_DIR}/{{{','.join(FILES)}}} (Debian fortunes, fortunes-min), at most {PER_CLASS} per file, duplicates dropped, test = SHA-1(text)[0:4] mod 100 < {TEST_PERCENT}",
            "optimizer": f"AdamW lr {args.lr} weight decay 0.01, one-cycle, batch {args.batch} (length-bucketed), {args.epochs} epochs, dropout 0.1",
            "seed": SEED,
            "threads": args.threads,
            "seconds": round(train_seconds, 1),
            "torch": torch.__version__,
            "script": "scripts/train_text_encoder.py",
        },
    }
    with open(META_PATH, "w") as f:
        json.dump(meta, f, indent=1)
    with open(TEST_PATH, "w") as f:
        json.dump(
            {
                "labels": FILES,
                "texts": [t for t, _ in test_raw],
                "label": [y for _, y in test_raw],
                "input_ids": [seq for seq, _ in test],
                "torch_prediction": preds,
                "torch_logits": [[round(float(v), 5) for v in l] for l in logits],
            },
            f,
        )
    print(f"wrote {ONNX_PATH} ({os.path.getsize(ONNX_PATH)} bytes), {META_PATH}, {TEST_PATH} ({os.path.getsize(TEST_PATH)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
