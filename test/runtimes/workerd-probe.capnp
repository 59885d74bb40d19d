# test/runtimes/workerd-probe.js in workerd: the plain bundle (dist/bundle/branchy.js) with the
# simd build as a wasm module and the same build's bytes as a data module.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "test/runtimes/workerd-probe.js", esModule = embed "workerd-probe.js"),
    (name = "dist/bundle/branchy.js", esModule = embed "../../dist/bundle/branchy.js"),
    (name = "build/branchy.simd.wasm", wasm = embed "../../build/branchy.simd.wasm"),
    (name = "test/runtimes/simd.wasm.bin", data = embed "../../build/branchy.simd.wasm"),
    (name = "models/branchy-lenet-mnist.int8.branchy", data = embed "../../models/branchy-lenet-mnist.int8.branchy"),
  ],
  compatibilityDate = "2025-01-01",
);
