#!/usr/bin/env python3
"""Reference values for src/losses from PyTorch, written the way the official TRACT code computes
them (custom_loss.py): Hugging Face label shift with -100 masking, the score digit's label removed
from the LM loss, RAIL on logits[score_pos - 1] with a full-vocabulary softmax, MSE.

Command (run from the repository root; Debian's python3-torch 1.13):
    /usr/bin/python3 tools/make_loss_fixture.py > test/fixtures/torch-losses.json
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
B, T, V = 3, 7, 11
SCORE_IDS = [2, 4, 5, 7, 9]  # tokens "1".."5" of a toy vocabulary

logits = (torch.randn(B, T, V, dtype=torch.float64) * 2.0)
# prompt (mask 0) then target tokens ending <digit><eos>; row 2 is right-padded
input_ids = torch.tensor([
    [1, 3, 6, 8, 10, 5, 0],    # target = 8 10 5(digit "3") 0(eos)
    [1, 6, 3, 10, 8, 9, 0],    # target = 3 10 8 9(digit "5") 0
    [1, 8, 6, 4, 0, 0, 0],     # target = 6 4(digit "2") 0, then padding
])
mask = torch.tensor([
    [0, 0, 0, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 0, 0],
], dtype=torch.float64)
gold = torch.tensor([3.0, 4.6667, 2.0], dtype=torch.float64)
# the digit = second-to-last supervised token
score_pos = []
for b in range(B):
    idx = [i for i in range(T) if mask[b, i] > 0]
    score_pos.append(idx[-2])


def losses(logits, lam=1.0, include_digit=False, parity=False):
    labels = input_ids.clone()
    labels[mask == 0] = -100
    lm_labels = labels.clone()
    if not include_digit:
        for b, s in enumerate(score_pos):
            lm_labels[b, s] = -100
    shift_logits = logits[:, :-1, :].reshape(-1, V)
    shift_labels = lm_labels[:, 1:].reshape(-1)
    token_ce = F.cross_entropy(shift_logits, shift_labels, ignore_index=-100, reduction="sum")
    num_items = int((labels[:, 1:] != -100).sum())  # HF num_items_in_batch counts the digits too
    if parity:
        lm = token_ce / (num_items - B)
    else:
        lm = token_ce / int((shift_labels != -100).sum())
    probs = torch.softmax(torch.stack([logits[b, s - 1] for b, s in enumerate(score_pos)]), dim=-1)
    expected = (probs[:, SCORE_IDS] * torch.arange(1, 6, dtype=torch.float64)).sum(-1)
    se = F.mse_loss(expected, gold)
    if parity:
        se = se / B
    return lm + lam * se, lm, se, expected


out = {"command": "/usr/bin/python3 tools/make_loss_fixture.py > test/fixtures/torch-losses.json",
       "torch": torch.__version__, "B": B, "T": T, "V": V, "scoreTokenIds": SCORE_IDS,
       "logits": logits.tolist(), "inputIds": input_ids.tolist(), "mask": mask.tolist(),
       "gold": gold.tolist(), "scorePos": score_pos, "cases": []}
for lam, include_digit, parity in [(1.0, False, False), (0.5, False, False), (1.0, True, False), (1.0, False, True), (2.0, True, True)]:
    x = logits.clone().requires_grad_(True)
    total, lm, se, expected = losses(x, lam, include_digit, parity)
    total.backward()
    out["cases"].append({
        "lambda": lam, "ceIncludesScoreToken": include_digit,
        "reduction": "officialParity" if parity else "mean",
        "total": total.item(), "ce": lm.item(), "score": se.item(),
        "expected": expected.tolist(), "grad": x.grad.tolist(),
    })

# expectedScore with and without renormalisation on the score positions
rows = torch.stack([logits[b, s - 1] for b, s in enumerate(score_pos)])
p = torch.softmax(rows, -1)[:, SCORE_IDS]
grid = torch.arange(1, 6, dtype=torch.float64)
out["expectedScore"] = {"rows": rows.tolist(), "plain": (p * grid).sum(-1).tolist(),
                        "renormalized": ((p * grid).sum(-1) / p.sum(-1)).tolist()}
json.dump(out, sys.stdout)
print()
