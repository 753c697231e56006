#!/usr/bin/python3
"""Writes test/fixtures/qdq/small_qdq.onnx: a small ONNX QDQ model built by hand with the `onnx`
package, in the form onnxruntime's `quantize_static` (QuantFormat.QDQ) produces, for
test/unit/qdq-import.test.ts and test/model/qdq-import-ort.test.ts.

Run with Debian's python (python3-onnx, python3-torch):  /usr/bin/python3 scripts/make_qdq_fixture.py

    x ─Q/DQ(uint8, z 128)─ conv1 (int8 weights per axis, int32 bias) ─ Relu ─Q/DQ(uint8, z 0)─┬──────────┐
                                                                                            conv2      │
    (int8 weights per tensor, int32 bias) ─Q/DQ(int8)─ Clip(0, 6) ─Q/DQ(same (s, z))───────────── Add ─Q/DQ(uint8, z 59)─
    conv3 stride 2 (uint8 weights per axis, zero point 128, no bias) ─Q/DQ(int8)─ GlobalAveragePool ─Q/DQ─ Flatten ─Q/DQ─
    Gemm transB=1 (int8 weights per axis, int32 bias) ─Q/DQ(int8)─ y;   y ─ Softmax (float, no Q/DQ) ─ p

Weights and biases are random integers; activation scales and zero points come from the float
model's ranges on 64 random inputs in [-1, 1] (torch), computed as the quantizer would (asymmetric,
0 inside the range; the Add's range is widened below 0 to give it a zero point that is neither 0 nor 128).
"""
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'qdq', 'small_qdq.onnx')

# Weights as the integers a quantizer would store, and their scales.
w1_q = rng.integers(-127, 128, size=(8, 3, 3, 3), dtype=np.int8)
w1_s = rng.uniform(0.002, 0.006, size=8).astype(np.float32)
w2_q = rng.integers(-127, 128, size=(8, 8, 1, 1), dtype=np.int8)
w2_s = np.float32(0.004)
w3_u = rng.integers(1, 256, size=(6, 8, 3, 3), dtype=np.uint8)  # uint8, zero point 128
w3_s = rng.uniform(0.001, 0.004, size=6).astype(np.float32)
w4_q = rng.integers(-127, 128, size=(4, 6), dtype=np.int8)  # Gemm transB=1: [N, K]
w4_s = rng.uniform(0.01, 0.03, size=4).astype(np.float32)

x_s, x_z = np.float32(1 / 127), np.uint8(128)

w1 = w1_q.astype(np.float32) * w1_s[:, None, None, None]
w2 = w2_q.astype(np.float32) * w2_s
w3 = (w3_u.astype(np.int32) - 128).astype(np.float32) * w3_s[:, None, None, None]
w4 = w4_q.astype(np.float32) * w4_s[:, None]


def bias_q(b_float, s_in, s_w):
    s_b = (np.float32(s_in) * s_w).astype(np.float32)
    return np.round(b_float / s_b).astype(np.int32), s_b


b1_q, b1_s = bias_q(rng.uniform(-0.2, 0.2, 8), x_s, w1_s)

xs = torch.tensor(rng.uniform(-1, 1, size=(64, 3, 8, 8)).astype(np.float32))
xs = torch.round(xs / float(x_s)) * float(x_s)  # what the model sees after the input Q/DQ


def asym(lo, hi, dtype):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    s = np.float32((hi - lo) / 255)
    qmin = -128 if dtype == 'int8' else 0
    z = int(np.clip(np.round(qmin - lo / s), qmin, qmin + 255))
    return s, z


def rng_of(t):
    return float(t.min()), float(t.max())


t = lambda a: torch.tensor(a)
r1 = F.relu(F.conv2d(xs, t(w1), t((b1_q * b1_s).astype(np.float32)), padding=1))
r1_s, r1_z = asym(*rng_of(r1), 'uint8')
b2_q, b2_s = bias_q(rng.uniform(-0.5, 0.5, 8), r1_s, np.full(8, w2_s, np.float32))
c2 = F.conv2d(r1, t(w2), t((b2_q * b2_s).astype(np.float32)))
k2 = torch.clamp(c2, 0, 6)
k2_s, k2_z = asym(*rng_of(k2), 'int8')
a = r1 + k2
lo, hi = rng_of(a)
a_s, a_z = asym(-0.3 * hi, hi, 'uint8')
c3 = F.conv2d(a, t(w3), stride=2)
c3_s, c3_z = asym(*rng_of(c3), 'int8')
f = c3.mean(dim=(2, 3))
b4_q, b4_s = bias_q(rng.uniform(-0.3, 0.3, 4), c3_s, w4_s)
y = f @ t(w4).T + t((b4_q * b4_s).astype(np.float32))
y_s, y_z = asym(*rng_of(y), 'int8')

inits = []
nodes = []


def const(name, value):
    inits.append(numpy_helper.from_array(np.asarray(value), name))
    return name


def qdq(tensor, s, z, dtype, out=None):
    """Q → DQ on an activation; returns the dequantized name (`out` when given)."""
    out = out or f'{tensor}_dequantized'
    zp = np.array(z, dtype=np.uint8 if dtype == 'uint8' else np.int8)
    sn, zn = const(f'{tensor}_scale', np.array(s, np.float32)), const(f'{tensor}_zero_point', zp)
    nodes.append(helper.make_node('QuantizeLinear', [tensor, sn, zn], [f'{tensor}_quantized'], name=f'{tensor}_QuantizeLinear'))
    nodes.append(helper.make_node('DequantizeLinear', [f'{tensor}_quantized', sn, zn], [out], name=f'{tensor}_DequantizeLinear'))
    return out


def dq_const(name, q, s, z, axis=None):
    """An integer initializer behind a DequantizeLinear (per axis when `axis` is given)."""
    qn = const(f'{name}_quantized', q)
    sn = const(f'{name}_scale', np.asarray(s, np.float32))
    zn = const(f'{name}_zero_point', np.asarray(z, q.dtype))
    attrs = {} if axis is None else {'axis': axis}
    nodes.append(helper.make_node('DequantizeLinear', [qn, sn, zn], [f'{name}_dequantized'], name=f'{name}_DequantizeLinear', **attrs))
    return f'{name}_dequantized'


x_dq = qdq('x', x_s, x_z, 'uint8')
W1 = dq_const('W1', w1_q, w1_s, np.zeros(8, np.int8), axis=0)
B1 = dq_const('B1', b1_q, b1_s, np.zeros(8, np.int32), axis=0)
nodes.append(helper.make_node('Conv', [x_dq, W1, B1], ['conv1'], name='conv1', pads=[1, 1, 1, 1], kernel_shape=[3, 3]))
nodes.append(helper.make_node('Relu', ['conv1'], ['relu1'], name='relu1'))
r1_dq = qdq('relu1', r1_s, r1_z, 'uint8')
W2 = dq_const('W2', w2_q, w2_s, np.int8(0))  # per tensor
B2 = dq_const('B2', b2_q, np.float32(b2_s[0]), np.int32(0))  # per tensor: s_in · s_w is one scale
nodes.append(helper.make_node('Conv', [r1_dq, W2, B2], ['conv2'], name='conv2', kernel_shape=[1, 1]))
c2_dq = qdq('conv2', k2_s, k2_z, 'int8')
nodes.append(helper.make_node('Clip', [c2_dq, const('clip_min', np.float32(0)), const('clip_max', np.float32(6))], ['clip2'], name='clip2'))
k2_dq = qdq('clip2', k2_s, k2_z, 'int8')
nodes.append(helper.make_node('Add', [r1_dq, k2_dq], ['add'], name='add'))
a_dq = qdq('add', a_s, a_z, 'uint8')
W3 = dq_const('W3', w3_u, w3_s, np.full(6, 128, np.uint8), axis=0)
nodes.append(helper.make_node('Conv', [a_dq, W3], ['conv3'], name='conv3', strides=[2, 2], kernel_shape=[3, 3]))
c3_dq = qdq('conv3', c3_s, c3_z, 'int8')
nodes.append(helper.make_node('GlobalAveragePool', [c3_dq], ['gap'], name='gap'))
g_dq = qdq('gap', c3_s, c3_z, 'int8')
nodes.append(helper.make_node('Flatten', [g_dq], ['flat'], name='flat', axis=1))
f_dq = qdq('flat', c3_s, c3_z, 'int8')
W4 = dq_const('W4', w4_q, w4_s, np.zeros(4, np.int8), axis=0)
B4 = dq_const('B4', b4_q, b4_s, np.zeros(4, np.int32), axis=0)
nodes.append(helper.make_node('Gemm', [f_dq, W4, B4], ['gemm'], name='gemm', transB=1))
qdq('gemm', y_s, y_z, 'int8', out='y')  # the graph output is the DequantizeLinear's output
nodes.append(helper.make_node('Softmax', ['y'], ['p'], name='softmax', axis=1))

graph = helper.make_graph(
    nodes, 'small_qdq',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 3, 8, 8])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 4]), helper.make_tensor_value_info('p', TensorProto.FLOAT, ['N', 4])],
    inits,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='make_qdq_fixture.py')
model.ir_version = 7
onnx.checker.check_model(model, full_check=True)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
onnx.save(model, OUT)
print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')
for name, s, z in [('x', x_s, x_z), ('relu1', r1_s, r1_z), ('clip2', k2_s, k2_z), ('add', a_s, a_z), ('conv3', c3_s, c3_z), ('gemm', y_s, y_z)]:
    print(f'  {name}: s {float(s):.6g}, z {int(z)}')
