#!/usr/bin/env python3
"""PyTorch reference for bench/model.bench.ts: the same Llama shapes, the same work per step.

    /usr/bin/python3 bench/reference/llama_bench.py <threads>

A long-lived process, so that bench/model.bench.ts can interleave its repetitions with ours (ABAB):
it reads one command per line on stdin and answers one JSON line on stdout.

    env                              -> the environment this reference runs in (threads, BLAS, CPU)
    train <stories260K|7M> <steps>  -> {"tokPerSec": median over the steps}
    gen <stories260K|7M> <batch> <n> -> {"tokPerSec": b*n / seconds}
    quit

Training step = forward, next-token cross-entropy, backward, Adam update (fp32, CPU).
Generation = decoding with a KV cache from a 16-token prompt (random next tokens, logits read each step).
The first training command on a model also runs two warm-up steps (first-call allocation and kernel selection);
the first generation command on a model and batch size first generates GEN_WARMUP tokens, as the TF.js side does
(bench/model.bench.ts: its JavaScript reaches steady speed only after some tens of decoded tokens).

Pinned setup (the reasons are in docs/performance.md): the parent sets OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS to <threads> before this starts, because Debian's torch
multiplies matrices with OpenBLAS's own pthread pool, which torch.set_num_threads does not reach
(without it a "1-thread" torch still ran a 2-thread OpenBLAS). Denormals are flushed to zero.
"""
import ctypes
import glob
import json
import math
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1])
torch.set_num_threads(threads)
torch.set_flush_denormal(True)
torch.manual_seed(0)

# tokens generated once per model and batch size before any timed generation (the same on both sides)
GEN_WARMUP = 64

CFG = {
    "stories260K": dict(dim=64, layers=5, heads=8, kv=4, hidden=172, vocab=512, batch=16, seq=256, tied=True),
    "7M": dict(dim=256, layers=6, heads=4, kv=4, hidden=688, vocab=4096, batch=8, seq=256, tied=False),
}


def openblas():
    """The OpenBLAS torch loaded: its kernel (core type), build config and thread count."""
    for path in sorted(glob.glob("/usr/lib/x86_64-linux-gnu/**/libopenblas*.so.0", recursive=True)):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {
                "path": path,
                "core": lib.openblas_get_corename().decode(),
                "config": lib.openblas_get_config().decode(),
                "threads": lib.openblas_get_num_threads(),
            }
        except OSError:
            continue
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment():
    keys = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "OPENBLAS_VERBOSE", "GOTO_NUM_THREADS", "KMP_AFFINITY", "OMP_WAIT_POLICY"]
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "cpuCapability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else None,
        "openblas": openblas(),
        "flushDenormal": True,
        "env": {k: os.environ[k] for k in keys if k in os.environ},
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
    }


class Llama(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, hd = c["dim"], c["dim"] // c["heads"]
        self.hd = hd
        self.emb = torch.nn.Embedding(c["vocab"], d)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["layers"]):
            self.layers.append(torch.nn.ModuleDict(dict(
                q=torch.nn.Linear(d, c["heads"] * hd, bias=False), k=torch.nn.Linear(d, c["kv"] * hd, bias=False),
                v=torch.nn.Linear(d, c["kv"] * hd, bias=False), o=torch.nn.Linear(c["heads"] * hd, d, bias=False),
                g=torch.nn.Linear(d, c["hidden"], bias=False), u=torch.nn.Linear(d, c["hidden"], bias=False),
                dn=torch.nn.Linear(c["hidden"], d, bias=False))))
            self.layers[-1].n1 = torch.nn.Parameter(torch.ones(d))
            self.layers[-1].n2 = torch.nn.Parameter(torch.ones(d))
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.head = None if c["tied"] else torch.nn.Linear(d, c["vocab"], bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        f = torch.outer(torch.arange(1024).float(), inv)
        self.cos, self.sin = torch.cat((f, f), -1).cos(), torch.cat((f, f), -1).sin()

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
        pos = torch.arange(start, start + T)
        new_cache = []
        for i, L in enumerate(self.layers):
            h = self.rms(x, L.n1)
            q = self.rope(L.q(h).view(B, T, c["heads"], hd).transpose(1, 2), pos)
            k = self.rope(L.k(h).view(B, T, c["kv"], hd).transpose(1, 2), pos)
            v = L.v(h).view(B, T, c["kv"], hd).transpose(1, 2)
            if cache is not None:
                k = torch.cat((cache[i][0], k), 2)
                v = torch.cat((cache[i][1], v), 2)
            new_cache.append((k, v))
            rep = c["heads"] // c["kv"]
            kk, vv = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            att = (q @ kk.transpose(-1, -2)) / math.sqrt(hd)
            if T > 1:
                Tk = kk.shape[2]
                mask = torch.full((T, Tk), float("-inf")).triu(Tk - T + 1)
                att = att + mask
            o = (att.softmax(-1) @ vv).transpose(1, 2).reshape(B, T, -1)
            x = x + L.o(o)
            h = self.rms(x, L.n2)
            x = x + L.dn(F.silu(L.g(h)) * L.u(h))
        x = self.rms(x, self.norm)
        logits = x @ self.emb.weight.T if self.head is None else self.head(x)
        return logits, new_cache


class Workload:
    """One model with its optimiser and batch; warmed up on first use."""

    def __init__(self, name):
        c = CFG[name]
        self.c = c
        self.model = Llama(c)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.ids = torch.randint(0, c["vocab"], (c["batch"], c["seq"]))
        self.trained = False
        self.generated = set()  # batch sizes already warmed up

    def step(self):
        V = self.c["vocab"]
        logits, _ = self.model(self.ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), self.ids[:, 1:].reshape(-1))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def train(self, steps):
        if not self.trained:
            self.step()
            self.step()
            self.trained = True
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            self.step()
            times.append(time.perf_counter() - t0)
        return self.c["batch"] * self.c["seq"] / statistics.median(times)

    def gen(self, b, n):
        V = self.c["vocab"]
        with torch.no_grad():
            if b not in self.generated:
                self._gen(b, GEN_WARMUP, V)
                self.generated.add(b)
            return b * n / self._gen(b, n, V)

    def _gen(self, b, n, V):
        prompt = torch.randint(0, V, (b, 16))
        logits, cache = self.model(prompt)
        t0 = time.perf_counter()
        for s in range(n):
            nxt = torch.randint(0, V, (b, 1))
            logits, cache = self.model(nxt, cache, start=16 + s)
            logits.numpy()
        return time.perf_counter() - t0


workloads = {}
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "quit":
        break
    if words[0] == "env":
        out = environment()
    else:
        w = workloads.setdefault(words[1], None) or Workload(words[1])
        workloads[words[1]] = w
        if words[0] == "train":
            out = {"tokPerSec": w.train(int(words[2]))}
        else:
            out = {"tokPerSec": w.gen(int(words[2]), int(words[3]))}
    print(json.dumps(out), flush=True)
