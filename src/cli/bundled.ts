// The bundled default model and data, resolved from the package root (node only).
import { fileURLToPath } from 'node:url';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const BUNDLED = {
  model: root('models/fashion_mnist_cnn.onnx'),
  modelInfo: root('models/fashion_mnist_cnn.json'),
  testImages: root('data/fashion-mnist/t10k-images-idx3-ubyte.gz'),
  testLabels: root('data/fashion-mnist/t10k-labels-idx1-ubyte.gz'),
  /** The first 500 Fashion-MNIST training images: calibration data that is not in the test set. */
  calibImages: root('data/fashion-mnist/train-first500-images-idx3-ubyte.gz'),
  pytorchLogits: root('data/fashion-mnist/t10k-pytorch-logits-f32.bin.gz'),
} as const;
