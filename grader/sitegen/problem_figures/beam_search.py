"""Figure for beam_search: the beam tree of the statement's worked example.

The reference's own step functions (``_extend``: every live beam by every
token; ``_select``: the finished hypotheses and the next live beams) are run
step by step on the worked example at build time, and every candidate is drawn
in a column per step, best first: live beams, finished hypotheses (with their
length-penalised final score), and the candidates dropped. A dashed line marks
the top ``num_beams`` places, the only ones where an eos candidate counts. The
winner is the one the reference's ``beam_search`` returns; the figure refuses
to draw a tree whose winner it cannot find.
"""

from __future__ import annotations

import torch

from grader.hidden import example
from grader.i18n import t
from grader.references import solution_module
from grader.sandbox import toy_models
from grader.sitegen.problem_figures import ProblemFigure

# The vocabulary of the worked example (problems/beam_search/public_tests.py).
WORDS = ("<eos>", "the", "cat", "dog", "ran")
NODE_WIDTH, NODE_HEIGHT = 118, 30  # px
ROW = 34  # px between two candidates of a step
COLUMN = 158  # px between two steps
LEFT, TOP = 8, 52  # px: the prompt's column, the first candidate row
PROMPT_WIDTH = 62  # px


def _replay(reference, model, prompt, max_new_tokens, num_beams, eos_token_id):
    """Every step the reference takes on one prompt row: (candidates, scores, finished, live)."""
    beams = prompt[None, :]  # (1, T0)
    scores = torch.zeros(1, dtype=torch.float64)
    steps, finished = [], 0
    with torch.no_grad():
        for _ in range(max_new_tokens):
            candidates, candidate_scores = reference._extend(model, beams, scores)
            done, beams, scores = reference._select(candidates, candidate_scores, num_beams,
                                                    eos_token_id)
            steps.append((candidates, candidate_scores, done, beams))
            finished += len(done)
            if finished >= num_beams or len(beams) == 0:
                break
    return steps


def _label(tokens: tuple) -> str:
    return WORDS[tokens[-1]]


def _number(x: float) -> str:
    return f"{x:.2f}".replace("-", "−")


def _search(problem) -> dict:
    """The worked example, the reference's winner, and the steps replayed to reach it."""
    invocation = example(problem).invocation
    prompt, max_new_tokens, num_beams = invocation.args
    eos = invocation.kwargs.get("eos_token_id")
    penalty = invocation.kwargs.get("length_penalty", 1.0)
    reference = solution_module(problem.id)
    with torch.no_grad():
        sequences, scores = reference.beam_search(toy_models.build(invocation.model), prompt,
                                                  max_new_tokens, num_beams, eos, penalty)
    T0 = prompt.shape[1]
    winner = tuple(sequences[0].tolist())
    if eos is not None and eos in winner[T0:]:  # drop the padding after the first eos
        winner = winner[:T0 + winner[T0:].index(eos) + 1]
    steps = _replay(reference, toy_models.build(invocation.model), prompt[0], max_new_tokens,
                    num_beams, eos)
    return {"prompt": tuple(prompt[0].tolist()), "steps": steps, "winner": winner,
            "winner_score": float(scores[0]), "num_beams": num_beams, "penalty": penalty,
            "max_new_tokens": max_new_tokens}


def _column(number: int, step, search: dict, parents: dict) -> tuple[dict, list, dict]:
    """One step's candidates, best first; the edges from their parents; the live beams' rows."""
    candidates, scores, done, live = step
    T0, winner = len(search["prompt"]), search["winner"]
    x = LEFT + PROMPT_WIDTH + 40 + (number - 1) * COLUMN
    finished = {tuple(seq.tolist()) for seq, _ in done}
    kept = {tuple(seq.tolist()) for seq in live}
    last = number == len(search["steps"])
    nodes, edges, rows = [], [], {}
    for rank, index in enumerate(torch.argsort(scores, descending=True, stable=True).tolist()):
        tokens, score = tuple(candidates[index].tolist()), float(scores[index])
        status = "finished" if tokens in finished else "live" if tokens in kept else "dropped"
        competes = status == "finished" or (last and status == "live")
        final = score / (len(tokens) - T0) ** search["penalty"] if competes else None
        y = TOP + rank * ROW
        on_path = winner[:len(tokens)] == tokens
        nodes.append({"y": y, "word": _label(tokens), "score": _number(score), "status": status,
                      "final": None if final is None else _number(final), "on_path": on_path,
                      "winner": tokens == winner, "final_value": final})
        edges.append({"x1": parents[tokens[:-1]][0], "y1": parents[tokens[:-1]][1], "x2": x,
                      "y2": y + NODE_HEIGHT / 2, "status": "winner" if on_path else status})
        if status == "live":
            rows[tokens] = (x + NODE_WIDTH, y + NODE_HEIGHT / 2)
    boundary = TOP + search["num_beams"] * ROW - (ROW - NODE_HEIGHT) / 2
    column = {"x": x, "number": number, "nodes": nodes,
              "boundary": boundary if len(nodes) > search["num_beams"] else None}
    return column, edges, rows


def figure(problem) -> ProblemFigure:
    search = _search(problem)
    parents = {search["prompt"]: (LEFT + PROMPT_WIDTH, TOP + NODE_HEIGHT / 2)}
    columns, edges = [], []
    for number, step in enumerate(search["steps"], start=1):
        column, column_edges, parents = _column(number, step, search, parents)
        columns.append(column)
        edges += column_edges
    winners = [n for c in columns for n in c["nodes"] if n["winner"]]
    if len(winners) != 1 or abs(winners[0]["final_value"] - search["winner_score"]) > 1e-9:
        raise RuntimeError("the replayed tree does not end at the reference's winner")
    beams, penalty = search["num_beams"], search["penalty"]
    stopped_early = len(search["steps"]) < search["max_new_tokens"]
    return ProblemFigure(
        title=t("The beam tree of the worked example.", "示例的束搜索树。"),
        caption=t(
            f"num_beams = {beams}, length_penalty = {penalty:g}. Each column is one step: every "
            "candidate, best first, with its cumulative log-probability. Live beams (blue) are "
            f"extended at the next step; an eos candidate within the top {beams} (above the dashed "
            "line) is finished (green), with its final score s / n ** length_penalty; the others "
            "are dropped (grey). The search stops once "
            f"{beams} hypotheses are finished, and the live beams of that step compete too. The "
            "winner and its path are outlined in orange.",
            f"num_beams = {beams}，length_penalty = {penalty:g}。每一列是一步：所有候选按分数从高到低"
            "排列，并标出累计对数概率。活跃的束（蓝色）在下一步被扩展；排在前 "
            f"{beams} 名（虚线以上）的 eos 候选结束（绿色），并标出最终分数 s / n ** length_penalty；"
            f"其余候选被丢弃（灰色）。已结束的假设达到 {beams} 个时搜索停止，这一步的活跃束也参与比较。"
            "获胜假设及其路径用橙色框出。"),
        data={"width": columns[-1]["x"] + NODE_WIDTH + 8,
              "height": TOP + max(len(c["nodes"]) for c in columns) * ROW + 4,
              "node_width": NODE_WIDTH, "node_height": NODE_HEIGHT, "left": LEFT, "top": TOP,
              "prompt_width": PROMPT_WIDTH,
              "prompt_words": " ".join(WORDS[token] for token in search["prompt"]),
              "columns": columns, "edges": edges, "num_beams": beams,
              "steps_run": len(search["steps"]), "max_new_tokens": search["max_new_tokens"],
              "stopped_early": stopped_early},
    )
