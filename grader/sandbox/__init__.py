"""The untrusted side of the trust boundary.

Every module in this package may run next to candidate code (in the warm
worker or its forked child). None of them may import the reference solutions,
the hidden cases, the misconception references or anything under
``grader.grading``; ``tests/test_trust_boundary.py`` checks this.
"""
