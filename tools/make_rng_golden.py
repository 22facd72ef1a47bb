#!/usr/bin/env python3
"""Golden sequences for src/engine/rng.ts, from an independent Python mirror of its algorithm.

Command (run from the repository root):
    /usr/bin/python3 tools/make_rng_golden.py > test/fixtures/rng-golden.json

The algorithm: a seed (non-negative integer or string) is reduced to a 32-bit key (FNV-1a for
strings; lo ^ hi*0x9e3779b9 for integers), four SplitMix32 outputs seed xoshiro128**, forks
derive key' = mix32(key ^ fnv1a(label)).
"""
import json
import math

M = 0xFFFFFFFF
GOLDEN = 0x9E3779B9


def mix32(z):
    z = ((z ^ (z >> 16)) * 0x21F0AAAD) & M
    z = ((z ^ (z >> 15)) * 0x735A2D97) & M
    return (z ^ (z >> 15)) & M


def fnv1a(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & M
    return h


def seed_key(seed):
    if isinstance(seed, str):
        return fnv1a(seed)
    lo = seed & M
    hi = (seed >> 32) & M
    return (lo ^ ((hi * GOLDEN) & M)) & M


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M


class Rng:
    def __init__(self, seed=None, key=None):
        self.key = seed_key(seed) if key is None else key
        x = self.key
        s = []
        for _ in range(4):
            x = (x + GOLDEN) & M
            s.append(mix32(x))
        if s == [0, 0, 0, 0]:
            s[0] = 1
        self.s = s

    def fork(self, label):
        return Rng(key=mix32(self.key ^ fnv1a(label)))

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M, 7) * 9) & M
        t = (s1 << 9) & M
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        a = self.next_uint32() >> 5
        b = self.next_uint32() >> 6
        return (a * 67108864 + b) / 9007199254740992

    def int(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            x = self.next_uint32()
            if x < limit:
                return x % n

    def normal(self):
        u1 = 1 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def shuffle(self, items):
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.int(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


def main():
    cases = []
    for seed in [0, 42, 2**40 + 7, "tract"]:
        r = Rng(seed)
        cases.append({
            "seed": seed,
            "key": r.key,
            "uint32": [r.next_uint32() for _ in range(8)],
            "uniform": [r.uniform() for _ in range(4)],
            "int10": [r.int(10) for _ in range(12)],
            "normal": [r.normal() for _ in range(4)],
            "shuffle10": r.shuffle(range(10)),
        })
    root = Rng(42)
    nested = Rng(42).fork("a").fork("b")
    print(json.dumps({
        "generator": "xoshiro128** seeded by SplitMix32 (tools/make_rng_golden.py)",
        "cases": cases,
        "forks42": {label: root.fork(label).key for label in ["init/block3/attn", "data/shuffle"]},
        "forkFirst42": {label: root.fork(label).next_uint32() for label in ["init/block3/attn", "data/shuffle"]},
        "nested42ab": [nested.next_uint32() for _ in range(3)],
    }, indent=1))


if __name__ == "__main__":
    main()
