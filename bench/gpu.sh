#!/bin/sh
# GPU benchmark: `npm run bench:model` on the webgpu backend (Dawn) and, where PyTorch with CUDA is
# present, the same workloads on CUDA; prints the ratios. See docs/performance.md ("GPU: what was measured
# where"). On a machine without a GPU the webgpu run needs TRACT_GPU_ALLOW_SOFTWARE=1 (SwiftShader, about
# 0.5 GFLOP/s: it takes a long time and measures nothing about GPUs).
#
#   sh bench/gpu.sh            # full bench:model on webgpu, then CUDA torch if available
#   sh bench/gpu.sh --quick    # fewer steps
#   PYTHON=/path/to/python3 sh bench/gpu.sh   # the python with torch + CUDA (default: python3)
#   sh bench/gpu.sh --suite    # only: does the notebooks' default suite train on webgpu? (profile: PROFILE, default ci)
set -eu
cd "$(dirname "$0")/.."
QUICK=""
[ "${1:-}" = "--quick" ] && QUICK="--quick"
if [ "${1:-}" = "--suite" ]; then
  RESULTS="$(mktemp -d)"
  echo "== tract run --suite experiments/suites/default.json --profile ${PROFILE:-ci} on webgpu (results in $RESULTS)"
  TRACT_BACKEND=webgpu npx tract run --profile "${PROFILE:-ci}" --jobs 1 --results "$RESULTS"
  exit $?
fi
PYTHON="${PYTHON:-python3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "== adapter (npx tract info)"
TRACT_BACKEND=webgpu npx tract info --json >"$OUT/info.json" 2>"$OUT/info.err" || true
node -e '
const fs = require("fs");
let info;
try { info = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { info = null; }
if (!info || !info.backend || !info.backend.adapter) {
  console.log("no WebGPU adapter: " + fs.readFileSync(process.argv[2], "utf8").trim().split("\n").pop());
  process.exit(3);
}
const a = info.backend.adapter;
console.log(`${a.vendor} ${a.architecture} (${a.kind}; ${a.description}); limits ${JSON.stringify(a.limits)}`);
if (a.kind === "software" && process.env.TRACT_GPU_ALLOW_SOFTWARE !== "1") {
  console.log("software adapter only: set TRACT_GPU_ALLOW_SOFTWARE=1 to benchmark it anyway");
  process.exit(4);
}' "$OUT/info.json" "$OUT/info.err" || { echo "webgpu benchmark skipped"; exit 0; }

echo "== bench:model on webgpu"
TRACT_BACKEND=webgpu npm run -s bench:model -- $QUICK --json | tee "$OUT/webgpu.txt"

echo "== the same workloads on PyTorch CUDA"
cat >"$OUT/torch_cuda.py" <<'EOF'
# The shapes and steps of bench/reference/llama_bench.py, on CUDA (fp32; timings synchronised).
import json, math, statistics, sys, time
import torch
import torch.nn.functional as F
if not torch.cuda.is_available():
    sys.exit("torch has no CUDA device")
dev = torch.device("cuda")
quick = len(sys.argv) > 1 and sys.argv[1] == "--quick"
CFG = {
    "stories260K": dict(dim=64, layers=5, heads=8, kv=4, hidden=172, vocab=512, batch=16, seq=256, tied=True),
    "7M": dict(dim=256, layers=6, heads=4, kv=4, hidden=688, vocab=4096, batch=8, seq=256, tied=False),
}
class Llama(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c, d = c, c["dim"]
        self.hd = hd = d // c["heads"]
        lin = lambda i, o: torch.nn.Linear(i, o, bias=False)
        self.emb = torch.nn.Embedding(c["vocab"], d)
        self.layers = torch.nn.ModuleList(torch.nn.ModuleDict(dict(
            q=lin(d, c["heads"] * hd), k=lin(d, c["kv"] * hd), v=lin(d, c["kv"] * hd), o=lin(c["heads"] * hd, d),
            g=lin(d, c["hidden"]), u=lin(d, c["hidden"]), dn=lin(c["hidden"], d))) for _ in range(c["layers"]))
        self.n1 = torch.nn.Parameter(torch.ones(c["layers"], d))
        self.n2 = torch.nn.Parameter(torch.ones(c["layers"], d))
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.head = None if c["tied"] else lin(d, c["vocab"])
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        f = torch.outer(torch.arange(1024).float(), inv)
        self.register_buffer("cos", torch.cat((f, f), -1).cos())
        self.register_buffer("sin", torch.cat((f, f), -1).sin())
    @staticmethod
    def rms(x, w):
        return w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)
    def rope(self, x, pos):
        h = x.shape[-1] // 2
        rot = torch.cat((-x[..., h:], x[..., :h]), -1)
        return x * self.cos[pos][None, None] + rot * self.sin[pos][None, None]
    def forward(self, ids, cache=None, start=0):
        B, T = ids.shape
        c, hd = self.c, self.hd
        x = self.emb(ids)
        pos = torch.arange(start, start + T, device=ids.device)
        new_cache = []
        for i, L in enumerate(self.layers):
            h = self.rms(x, self.n1[i])
            q = self.rope(L.q(h).view(B, T, c["heads"], hd).transpose(1, 2), pos)
            k = self.rope(L.k(h).view(B, T, c["kv"], hd).transpose(1, 2), pos)
            v = L.v(h).view(B, T, c["kv"], hd).transpose(1, 2)
            if cache is not None:
                k, v = torch.cat((cache[i][0], k), 2), torch.cat((cache[i][1], v), 2)
            new_cache.append((k, v))
            rep = c["heads"] // c["kv"]
            kk, vv = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            att = (q @ kk.transpose(-1, -2)) / math.sqrt(hd)
            if T > 1:
                Tk = kk.shape[2]
                att = att + torch.full((T, Tk), float("-inf"), device=ids.device).triu(Tk - T + 1)
            o = (att.softmax(-1) @ vv).transpose(1, 2).reshape(B, T, -1)
            x = x + L.o(o)
            h = self.rms(x, self.n2[i])
            x = x + L.dn(F.silu(L.g(h)) * L.u(h))
        x = self.rms(x, self.norm)
        return (x @ self.emb.weight.T if self.head is None else self.head(x)), new_cache
def train(name, steps):
    c = CFG[name]
    m = Llama(c).to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    ids = torch.randint(0, c["vocab"], (c["batch"], c["seq"]), device=dev)
    times = []
    for s in range(steps + 2):
        torch.cuda.synchronize(); t0 = time.perf_counter()
        logits, _ = m(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, c["vocab"]), ids[:, 1:].reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        loss.item(); torch.cuda.synchronize()
        if s >= 2: times.append(time.perf_counter() - t0)
    return c["batch"] * c["seq"] / statistics.median(times)
@torch.no_grad()
def gen(name, b, n):
    c = CFG[name]
    m = Llama(c).to(dev)
    def run(n):
        logits, cache = m(torch.randint(0, c["vocab"], (b, 16), device=dev))
        torch.cuda.synchronize(); t0 = time.perf_counter()
        for s in range(n):
            logits, cache = m(torch.randint(0, c["vocab"], (b, 1), device=dev), cache, start=16 + s)
            logits.cpu()  # the logits are read back every step, as in bench:model
        return time.perf_counter() - t0
    run(4)
    return b * n / run(n)
steps = 3 if quick else 8
print(json.dumps({
    "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
    "train-stories260K": train("stories260K", steps),
    "train-7M": train("7M", max(2, steps - 4)),
    "generate-stories260K-b1": gen("stories260K", 1, 32 if quick else 64),
    "generate-stories260K-b16": gen("stories260K", 16, 32 if quick else 64),
    "generate-7M-b1": gen("7M", 1, 16 if quick else 32),
    "generate-7M-b16": gen("7M", 16, 16 if quick else 32),
}))
EOF
if ! "$PYTHON" "$OUT/torch_cuda.py" $QUICK >"$OUT/torch.json" 2>"$OUT/torch.err"; then
  echo "PyTorch CUDA reference skipped: $(tail -n 1 "$OUT/torch.err")"
  exit 0
fi
node -e '
const fs = require("fs");
const torch = JSON.parse(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
const ours = {};
const last = JSON.parse(fs.readFileSync(process.argv[2], "utf8").trim().split("\n").pop());
for (const w of last.workloads) ours[w.name] = w.ours;
console.log(`PyTorch ${torch.torch} on ${torch.device}`);
console.log("tokens per second; ratio = webgpu / CUDA torch");
console.log("| workload | TF.js webgpu | PyTorch CUDA | ratio |\n|---|---|---|---|");
for (const [what, t] of Object.entries(torch)) {
  if (typeof t !== "number") continue;
  const o = ours[what];
  const ratio = o === undefined ? "n/a" : (o / t).toFixed(3);
  console.log(`| ${what} | ${o === undefined ? "n/a" : o.toFixed(0)} | ${t.toFixed(0)} | ${ratio} |`);
}' "$OUT/torch.json" "$OUT/webgpu.txt"
