"""Sends text that no UTF-8 file can hold: lone surrogates (JSON escapes such as ``\\ud800``).

They reach the trusted side in its exception messages and in its results (a dict
whose key and value hold them); writing results.json or the report must not fail
on them, for this submission or any other.
"""


def scaled_dot_product_attention(q, k, v, mask=None):
    if mask is None:
        raise ValueError("bad input \ud800 and \udcff")
    return {"weights\udfff": "\ud83d"}, q
