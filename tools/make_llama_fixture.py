#!/usr/bin/env python3
"""Tiny random Hugging Face-format checkpoints and their logits from an independent PyTorch
implementation of the Llama forward (written here the way transformers' modeling_llama /
modeling_qwen2 compute it: rotate_half RoPE, repeat_kv GQA, RMSNorm in float32, SwiGLU).

Command (run from the repository root; Debian's python3-torch 1.13):
    /usr/bin/python3 tools/make_llama_fixture.py test/fixtures/hf

Writes, for each case, <out>/<case>/config.json, model.safetensors (written by hand here, not by
the toolkit's writer) and <out>/<case>/reference.json (input ids and logits).
Cases: llama-gqa (GQA, untied head, F32), llama3-tied-f16 (tied head, Llama 3.1 rope scaling,
F16 weights), qwen2-bias-bf16 (q/k/v biases, BF16 weights, sharded into two files with an index).
"""
import json
import math
import os
import struct
import sys

import torch

torch.manual_seed(7)


def rounded(t, dtype):
    return t.to(dtype).to(torch.float32)


def write_safetensors(path, tensors, dtype):
    code = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[dtype]
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].to(dtype).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def inv_freq(cfg):
    d = cfg["head_dim"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    rs = cfg.get("rope_scaling")
    if rs:
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wl, high_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        inv_l = torch.where(wl > low_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wl < high_wl) * ~(wl > low_wl)
        inv = torch.where(medium, smoothed, inv_l)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(cfg, w, ids):
    B, T = ids.shape
    D, H, KV, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]

    def rms(x, weight):
        var = x.pow(2).mean(-1, keepdim=True)
        return weight * (x * torch.rsqrt(var + eps))

    def lin(x, name, bias=False):
        y = x @ w[name + ".weight"].T
        if bias:
            y = y + w[name + ".bias"]
        return y

    pos = torch.arange(T, dtype=torch.float32)
    freqs = torch.outer(pos, inv_freq(cfg))
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    x = w["model.embed_tokens.weight"][ids]
    causal = torch.full((T, T), float("-inf")).triu(1)
    bias = cfg.get("attention_bias", cfg["model_type"] == "qwen2")
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}"
        h = rms(x, w[p + ".input_layernorm.weight"])
        q = lin(h, p + ".self_attn.q_proj", bias).view(B, T, H, hd).transpose(1, 2)
        k = lin(h, p + ".self_attn.k_proj", bias).view(B, T, KV, hd).transpose(1, 2)
        v = lin(h, p + ".self_attn.v_proj", bias).view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + causal
        o = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H * hd)
        x = x + lin(o, p + ".self_attn.o_proj")
        h = rms(x, w[p + ".post_attention_layernorm.weight"])
        g = lin(h, p + ".mlp.gate_proj")
        x = x + lin(torch.nn.functional.silu(g) * lin(h, p + ".mlp.up_proj"), p + ".mlp.down_proj")
    x = rms(x, w["model.norm.weight"])
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def make(out_dir, name, cfg, dtype, shards=1):
    D, H, KV, hd, I, V = (cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"],
                          cfg["head_dim"], cfg["intermediate_size"], cfg["vocab_size"])
    w = {"model.embed_tokens.weight": torch.randn(V, D) * 0.5, "model.norm.weight": 1 + 0.1 * torch.randn(D)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}"
        w[p + ".input_layernorm.weight"] = 1 + 0.1 * torch.randn(D)
        w[p + ".post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(D)
        for proj, shape in [("q_proj", (H * hd, D)), ("k_proj", (KV * hd, D)), ("v_proj", (KV * hd, D)), ("o_proj", (D, H * hd))]:
            w[f"{p}.self_attn.{proj}.weight"] = torch.randn(*shape) / math.sqrt(shape[1])
            if cfg.get("attention_bias", cfg["model_type"] == "qwen2") and proj != "o_proj":
                w[f"{p}.self_attn.{proj}.bias"] = 0.1 * torch.randn(shape[0])
        w[p + ".mlp.gate_proj.weight"] = torch.randn(I, D) / math.sqrt(D)
        w[p + ".mlp.up_proj.weight"] = torch.randn(I, D) / math.sqrt(D)
        w[p + ".mlp.down_proj.weight"] = torch.randn(D, I) / math.sqrt(I)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = torch.randn(V, D) / math.sqrt(D)
    w = {k: rounded(v, dtype) for k, v in w.items()}  # the reference uses exactly the stored values
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), w, dtype)
    else:
        names = sorted(w)
        parts = [names[i::shards] for i in range(shards)]
        weight_map = {}
        for i, part in enumerate(parts):
            fn = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            write_safetensors(os.path.join(d, fn), {k: w[k] for k in part}, dtype)
            weight_map.update({k: fn for k in part})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    ids = torch.randint(0, V, (2, 9))
    with torch.no_grad():
        logits = forward(cfg, w, ids)
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump({"command": "/usr/bin/python3 tools/make_llama_fixture.py test/fixtures/hf", "torch": torch.__version__,
                   "inputIds": ids.tolist(), "logits": [[[round(v, 7) for v in row] for row in seq] for seq in logits.tolist()]}, f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/hf"
    base = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
            "intermediate_size": 48, "vocab_size": 61, "max_position_embeddings": 64, "rope_theta": 10000.0,
            "rms_norm_eps": 1e-5, "hidden_act": "silu"}
    make(out, "llama-gqa", {**base, "model_type": "llama", "architectures": ["LlamaForCausalLM"], "tie_word_embeddings": False}, torch.float32)
    make(out, "llama3-tied-f16", {**base, "model_type": "llama", "architectures": ["LlamaForCausalLM"], "tie_word_embeddings": True,
                                  "rope_theta": 500000.0, "max_position_embeddings": 256,
                                  "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 16}}, torch.float16)
    make(out, "qwen2-bias-bf16", {**base, "model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "tie_word_embeddings": False,
                                  "num_key_value_heads": 1, "rms_norm_eps": 1e-6}, torch.bfloat16, shards=2)


if __name__ == "__main__":
    main()
