"""Prints, and raises, the characters a terminal obeys instead of showing: C1 controls (CSI, OSC),
DEL, a right-to-left override and a line separator."""

CONTROLS = "\x1b[2J\x9b31m\x9d0;pwned\x9c\x7f\u202edesrever\u2066\u2028\u200b\ufeff\U000e0041end"
print("printed", CONTROLS)


def scaled_dot_product_attention(q, k, v, mask=None):
    raise ValueError("raised " + CONTROLS)
