"""Hidden cases for text_generation (problem 6), trusted side only.

- :mod:`.models`: the toy models and prompts the cases are built from;
- :mod:`.sampling`: the contract's temperature / top-k / top-p filter, shared
  with the misconception references;
- :mod:`.checks`: how outputs are judged (the loop, eos, sampled tokens);
- :mod:`.cases`: the invocations and the case table.
"""

from grader.hidden.text_generation.cases import CASES

__all__ = ["CASES"]
