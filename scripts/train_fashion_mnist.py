#!/usr/bin/python3
"""Train the bundled default Fashion-MNIST CNN and export it to ONNX (opset 13).

Run with Debian's python (torch 1.13 from python3-torch):

    /usr/bin/python3 scripts/train_fashion_mnist.py [--epochs 8]

Inputs : /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
Outputs: models/fashion_mnist_cnn.onnx
         models/fashion_mnist_cnn.json
         data/fashion-mnist/t10k-pytorch-logits-f32.bin.gz   (float32 LE, [10000, 10], gzipped)

Preprocessing is x = pixel / 255 (float32, N x 1 x 28 x 28), no mean/std normalisation.
BatchNormalization is kept as separate ONNX nodes (not folded into Conv): the model is
exported in eval() mode with training=TrainingMode.PRESERVE, which makes
torch.onnx.utils._model_to_graph skip _jit_pass_onnx_eval_peephole (the Conv+BN fusion),
together with do_constant_folding=False.
"""

import argparse
import collections
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONNX_PATH = os.path.join(REPO, "models", "fashion_mnist_cnn.onnx")
META_PATH = os.path.join(REPO, "models", "fashion_mnist_cnn.json")
LOGITS_PATH = os.path.join(REPO, "data", "fashion-mnist", "t10k-pytorch-logits-f32.bin.gz")
OPSET = 13
CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


# --------------------------------------------------------------------------- data
def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", buf[:16])
    if magic != 2051:
        raise ValueError(f"{path}: bad image magic {magic}")
    arr = np.frombuffer(buf, dtype=np.uint8, count=n * rows * cols, offset=16)
    return arr.reshape(n, 1, rows, cols)


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic, n = struct.unpack(">II", buf[:8])
    if magic != 2049:
        raise ValueError(f"{path}: bad label magic {magic}")
    return np.frombuffer(buf, dtype=np.uint8, count=n, offset=8).astype(np.int64)


def load_split(split):
    x = read_idx_images(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx_labels(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    assert x.shape[0] == y.shape[0]
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255.0))  # x/255, no normalisation
    return x, torch.from_numpy(y)


# -------------------------------------------------------------------------- model
def conv_bn_relu6(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=False),
    )


class FashionCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu6(1, 16, 3, stride=1),                # 28x28
            conv_bn_relu6(16, 32, 3, stride=2),               # 14x14
            conv_bn_relu6(32, 32, 3, stride=1, groups=32),    # depthwise
            conv_bn_relu6(32, 64, 1),                         # pointwise
            conv_bn_relu6(64, 64, 3, stride=2, groups=64),    # depthwise, 7x7
            conv_bn_relu6(64, 96, 1),                         # pointwise
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(96, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


# ----------------------------------------------------------------------- training
@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    outs = [model(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    return torch.cat(outs, 0)


def train(model, xtr, ytr, xte, yte, epochs, batch_size, lr, max_batches=None):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (xtr.shape[0] + batch_size - 1) // batch_size
    # simple schedule: cosine decay from lr to 0 over all steps
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(0)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        total_loss, seen, correct = 0.0, 0, 0
        for bi, i in enumerate(range(0, xtr.shape[0], batch_size)):
            if max_batches is not None and bi >= max_batches:
                break
            idx = perm[i:i + batch_size]
            xb, yb = xtr[idx], ytr[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * xb.shape[0]
            correct += (logits.argmax(1) == yb).sum().item()
            seen += xb.shape[0]
        train_time = time.time() - t0
        if max_batches is not None:
            print(f"timing: {seen // batch_size} batches in {train_time:.1f}s "
                  f"-> ~{train_time * steps_per_epoch / max(1, seen // batch_size):.0f}s/epoch")
            return history
        acc = (predict(model, xte).argmax(1) == yte).float().mean().item()
        rec = dict(epoch=epoch, loss=total_loss / seen, train_acc=correct / seen,
                   test_acc=acc, lr_end=sched.get_last_lr()[0], seconds=time.time() - t0)
        history.append(rec)
        print(f"epoch {epoch}/{epochs}  loss {rec['loss']:.4f}  train_acc {rec['train_acc']:.4f}  "
              f"test_acc {acc:.4f}  lr_end {rec['lr_end']:.2e}  ({train_time:.0f}s train)", flush=True)
    return history


# ------------------------------------------------------------------------- export
def export_onnx(model, path):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(
        model, dummy, path,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        # PRESERVE + eval() model => exported in inference mode, but _model_to_graph
        # does not run _jit_pass_onnx_eval_peephole, so BN is not fused into Conv.
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )
    assert not model.training


def verify_onnx(path, model, x_check):
    """Decode the exported graph, check op types; if onnx is available also run the checker
    and a small numpy reference interpreter, comparing against PyTorch."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        print("WARNING: python onnx package not available; skipping graph verification")
        return None
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    counts = collections.Counter(n.op_type for n in g.node)
    print("onnx opset:", [(o.domain or "ai.onnx", o.version) for o in m.opset_import])
    print("graph inputs :", [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim])
                             for i in g.input])
    print("graph outputs:", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim])
                             for o in g.output])
    print("initializers :", len(g.initializer))
    print("op type counts:", dict(sorted(counts.items())))
    assert counts["BatchNormalization"] == 6, "BatchNormalization was folded / missing"
    assert counts["Conv"] == 6
    for n in g.node:
        if n.op_type == "BatchNormalization":
            assert len(n.output) == 1, "BN exported in training mode (multiple outputs)"

    # tiny numpy reference interpreter for exactly the ops in this graph
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    env["input"] = x_check.numpy()

    def attr(n, name, default=None):
        for a in n.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    def conv(x, w, group, strides, pads):
        n_, c, h, wd = x.shape
        co, cig, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
        oh = (xp.shape[2] - kh) // strides[0] + 1
        ow = (xp.shape[3] - kw) // strides[1] + 1
        out = np.zeros((n_, co, oh, ow), np.float64)
        cog = co // group
        for gi in range(group):
            xs = xp[:, gi * cig:(gi + 1) * cig]
            ws = w[gi * cog:(gi + 1) * cog]
            for i in range(kh):
                for j in range(kw):
                    patch = xs[:, :, i:i + strides[0] * oh:strides[0], j:j + strides[1] * ow:strides[1]]
                    out[:, gi * cog:(gi + 1) * cog] += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
        return out

    for n in g.node:
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Constant":
            r = numpy_helper.to_array(attr(n, "value"))
        elif op == "Conv":
            r = conv(ins[0], ins[1], attr(n, "group", 1), attr(n, "strides", [1, 1]), attr(n, "pads", [0, 0, 0, 0]))
            if len(ins) > 2 and ins[2] is not None:
                r = r + ins[2][None, :, None, None]
        elif op == "BatchNormalization":
            x, s, b, mean, var = ins
            eps = attr(n, "epsilon", 1e-5)
            sh = (1, -1, 1, 1)
            r = (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * s.reshape(sh) + b.reshape(sh)
        elif op == "Clip":
            r = np.clip(ins[0], ins[1], ins[2])
        elif op == "GlobalAveragePool":
            r = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            r = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "Gemm":
            a, b = ins[0], ins[1]
            if attr(n, "transA", 0):
                a = a.T
            if attr(n, "transB", 0):
                b = b.T
            r = attr(n, "alpha", 1.0) * (a @ b) + attr(n, "beta", 1.0) * ins[2]
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = r
    ref = env[g.output[0].name]
    got = predict(model, x_check).numpy()
    diff = float(np.abs(ref - got).max())
    print(f"numpy ONNX interpreter vs PyTorch on {x_check.shape[0]} test images: max |diff| = {diff:.3e}")
    assert diff < 1e-3
    return dict(sorted(counts.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--time-batches", type=int, default=0,
                    help="only time this many training batches and exit (no outputs written)")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.use_deterministic_algorithms(True)

    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    print(f"train {tuple(xtr.shape)}  test {tuple(xte.shape)}  torch {torch.__version__}")

    model = FashionCNN()
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    t0 = time.time()
    if args.time_batches:
        train(model, xtr, ytr, xte, yte, 1, args.batch_size, args.lr, max_batches=args.time_batches)
        return
    train(model, xtr, ytr, xte, yte, args.epochs, args.batch_size, args.lr)
    print(f"training time: {time.time() - t0:.0f}s")

    model.eval()
    export_onnx(model, ONNX_PATH)
    print(f"wrote {ONNX_PATH} ({os.path.getsize(ONNX_PATH)} bytes)")
    op_counts = verify_onnx(ONNX_PATH, model, xte[:64])

    logits = predict(model, xte).numpy().astype("<f4")
    assert logits.shape == (10000, 10)
    acc = float((logits.argmax(1) == yte.numpy()).mean())
    print(f"fp32 test accuracy: {acc:.4f}")
    os.makedirs(os.path.dirname(LOGITS_PATH), exist_ok=True)
    with open(LOGITS_PATH, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:  # mtime=0: reproducible bytes
            f.write(logits.tobytes())
    print(f"wrote {LOGITS_PATH} ({os.path.getsize(LOGITS_PATH)} bytes)")

    meta = {
        "test_accuracy": round(acc, 4),
        "epochs": args.epochs,
        "opset": OPSET,
        "input": "input",
        "input_shape": [1, 1, 28, 28],
        "output": "logits",
        "preprocessing": "x/255",
        "torch_version": torch.__version__,
        "classes": CLASSES,
    }
    if op_counts is not None:
        meta["op_counts"] = op_counts
    with open(META_PATH, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {META_PATH}")


if __name__ == "__main__":
    sys.exit(main())
