#!/usr/bin/env python3
"""Reference trajectories of torch.optim.AdamW for test/training/adamw.test.ts.

Each case runs AdamW for a few steps on small float64 parameters with fixed, step-dependent
gradients and writes every parameter and both moment estimates after every step. It matches
src/training/optimizer.ts: decoupled weight decay on matrices only (one param group for rank >= 2
tensors with the decay, one for vectors without), bias-corrected moments, eps added after the
square root, a learning rate given per step (as the trainer's schedule does). Cases with
`maxGradNorm` apply torch.nn.utils.clip_grad_norm_ before each step, as the trainer does with
clipByGlobalNorm between accumulation and the optimizer step (src/training/trainer.ts).

Command (run from the repository root; Debian's python3-torch):
    /usr/bin/python3 tools/make_adamw_fixture.py > test/fixtures/adamw-torch.json
"""
import json
import math

import torch

COMMAND = "/usr/bin/python3 tools/make_adamw_fixture.py > test/fixtures/adamw-torch.json"
SHAPES = [[3, 4], [4], [2, 3]]
STEPS = 5


def initial_params():
    g = torch.Generator().manual_seed(7)
    return [torch.randn(*s, generator=g, dtype=torch.float64) for s in SHAPES]


def gradients(scale_by_step):
    """Fixed gradients per step; their global norm varies (some steps above a clip of 1, some below)."""
    g = torch.Generator().manual_seed(11)
    out = []
    for step in range(STEPS):
        s = scale_by_step[step]
        out.append([torch.randn(*shape, generator=g, dtype=torch.float64) * s for shape in SHAPES])
    return out


def run(case):
    params = [p.clone().requires_grad_(True) for p in initial_params()]
    matrices = [p for p in params if p.dim() >= 2]
    vectors = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": case["weightDecay"]}, {"params": vectors, "weight_decay": 0.0}],
        lr=case["lrs"][0], betas=(case["beta1"], case["beta2"]), eps=case["epsilon"],
    )
    steps = []
    for step, grads in enumerate(case["grads"]):
        for p, g in zip(params, grads):
            p.grad = g.clone()
        norm = None
        if case["maxGradNorm"] > 0:
            norm = float(torch.nn.utils.clip_grad_norm_(params, case["maxGradNorm"]))
        for group in opt.param_groups:
            group["lr"] = case["lrs"][step]
        opt.step()
        steps.append({
            "lr": case["lrs"][step],
            "gradNorm": norm,
            "params": [p.detach().reshape(-1).tolist() for p in params],
            "m": [opt.state[p]["exp_avg"].reshape(-1).tolist() for p in params],
            "v": [opt.state[p]["exp_avg_sq"].reshape(-1).tolist() for p in params],
        })
    return steps


def case(name, beta1, beta2, epsilon, weight_decay, lrs, max_grad_norm, grad_scale):
    c = {
        "name": name, "beta1": beta1, "beta2": beta2, "epsilon": epsilon, "weightDecay": weight_decay,
        "lrs": lrs, "maxGradNorm": max_grad_norm, "grads": gradients(grad_scale),
    }
    steps = run(c)
    return {
        "name": name, "beta1": beta1, "beta2": beta2, "epsilon": epsilon, "weightDecay": weight_decay,
        "maxGradNorm": max_grad_norm,
        "grads": [[g.reshape(-1).tolist() for g in step] for step in c["grads"]],
        "steps": steps,
    }


def main():
    # a warm-up-then-cosine-like sequence of learning rates (values only; the schedule is not tested here)
    lrs = [1e-3 * 0.5 * (1 + math.cos(math.pi * s / STEPS)) + 2e-4 for s in range(STEPS)]
    cases = [
        # the trainer's defaults (beta 0.9/0.999, eps 1e-8) with weight decay and a global-norm clip of 1
        case("trainer defaults, decay 0.01, clip 1", 0.9, 0.999, 1e-8, 0.01, lrs, 1.0, [0.8, 0.05, 0.3, 0.02, 0.5]),
        # eps large enough to matter and strong decay: pins where eps goes and the decoupled decay
        case("eps 1e-3, betas (0.8, 0.95), decay 0.1, no clip", 0.8, 0.95, 1e-3, 0.1,
             [0.05, 0.04, 0.03, 0.02, 0.01], 0.0, [1e-3, 5e-3, 2e-3, 1e-2, 4e-3]),
    ]
    out = {
        "command": COMMAND,
        "torch": torch.__version__,
        "shapes": SHAPES,
        "initial": [p.reshape(-1).tolist() for p in initial_params()],
        "cases": cases,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
