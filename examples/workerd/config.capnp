# workerd's own config for examples/workerd/worker.js (what the test runs; wrangler.toml is the
# same worker for wrangler). Every module is listed under the name its importer resolves it to,
# as paths from the repository root: workerd resolves a specifier against its importer's name
# (a bare 'branchy-wasm' too, hence examples/workerd/branchy-wasm) and refuses to climb above the
# root. 'branchy-wasm' is the package's workerd entry (dist/bundle/workerd.js, one module); it
# imports its three kernel builds as wasm modules from ../../build/.
#   npx workerd serve examples/workerd/config.capnp        # http://127.0.0.1:8787/
#   npx workerd serve examples/workerd/config.capnp --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "examples/workerd/worker.js", esModule = embed "worker.js"),
    (name = "examples/digits.js", esModule = embed "../digits.js"),
    (name = "examples/workerd/branchy-wasm", esModule = embed "../../dist/bundle/workerd.js"),
    (name = "build/branchy.scalar.wasm", wasm = embed "../../build/branchy.scalar.wasm"),
    (name = "build/branchy.simd.wasm", wasm = embed "../../build/branchy.simd.wasm"),
    (name = "build/branchy.relaxed.wasm", wasm = embed "../../build/branchy.relaxed.wasm"),
    (name = "models/branchy-lenet-mnist.int8.branchy", data = embed "../../models/branchy-lenet-mnist.int8.branchy"),
    (name = "examples/web/digits.bin", data = embed "../web/digits.bin"),
  ],
  compatibilityDate = "2025-01-01",
);
