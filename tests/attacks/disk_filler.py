"""Writes 64 MiB in many small files: stopped by the cap on bytes written."""


def scaled_dot_product_attention(q, k, v, mask=None):
    chunk = b"x" * (1 << 20)
    for i in range(64):
        with open(f"fill{i}.bin", "wb") as fh:
            fh.write(chunk)
    raise RuntimeError("wrote 64 MiB without hitting a limit")
