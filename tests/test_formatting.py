"""How tensors read in a failing test's message: a batch of matrices is told apart, one matrix is not split."""

from __future__ import annotations

import torch

from grader import formatting


def test_the_matrices_of_a_batch_are_set_apart_by_a_blank_line():
    batch = torch.arange(12, dtype=torch.float32).reshape(2, 3, 2)
    lines = formatting.table(batch, mark=(1, 0, 1)).split("\n")
    assert len(lines) == 7 and lines[3] == ""
    assert lines[:3] == ["    0   1 ", "    2   3 ", "    4   5 "]
    assert lines[4] == "    6 [ 7]"  # the mark is on the second matrix's first row


def test_one_matrix_and_one_row_have_no_blank_line():
    assert "" not in formatting.table(torch.ones(3, 2)).split("\n")
    assert "" not in formatting.table(torch.ones(4)).split("\n")
