#!/usr/bin/env python3
"""PyTorch reference for bench/model.bench.ts: the same Llama shapes, the same work per step.

    /usr/bin/python3 bench/reference/llama_bench.py <stories260K|7M> <threads> [quick|full]

Training step = forward, next-token cross-entropy, backward, Adam update (fp32, CPU).
Generation = greedy-free decoding with a KV cache from a 16-token prompt (logits read each step).
Prints one JSON line: {"train": tok/s, "gen1": tok/s, "gen16": tok/s}.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

name, threads = sys.argv[1], int(sys.argv[2])
quick = len(sys.argv) > 3 and sys.argv[3] == "quick"
torch.set_num_threads(threads)
torch.manual_seed(0)

CFG = {
    "stories260K": dict(dim=64, layers=5, heads=8, kv=4, hidden=172, vocab=512, batch=16, seq=256, tied=True),
    "7M": dict(dim=256, layers=6, heads=4, kv=4, hidden=688, vocab=4096, batch=8, seq=256, tied=False),
}[name]


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


model = Llama(CFG)
B, T, V = CFG["batch"], CFG["seq"], CFG["vocab"]
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ids = torch.randint(0, V, (B, T))
steps = (3 if quick else 8) if name == "stories260K" else (2 if quick else 4)
times = []
for s in range(steps + 2):
    t0 = time.perf_counter()
    logits, _ = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if s >= 2:
        times.append(time.perf_counter() - t0)
train = B * T / statistics.median(times)


def gen(b, n):
    with torch.no_grad():
        prompt = torch.randint(0, V, (b, 16))
        logits, cache = model(prompt)
        t0 = time.perf_counter()
        for s in range(n):
            nxt = torch.randint(0, V, (b, 1))
            logits, cache = model(nxt, cache, start=16 + s)
            logits.numpy()
        return b * n / (time.perf_counter() - t0)


n = (32 if quick else 64) if name == "stories260K" else (16 if quick else 32)
gen(1, 4)
print(json.dumps({"train": train, "gen1": gen(1, n), "gen16": gen(16, n)}))
