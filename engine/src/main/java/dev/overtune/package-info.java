/** overtune's engine: graph IR, autodiff, ONNX emission, backends, training. */
package dev.overtune;
