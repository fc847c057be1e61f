"""sys.exit with a code whose repr() raises SystemExit again: described safely, each test fails."""


class Code:
    def __repr__(self):
        raise SystemExit(Code())


def scaled_dot_product_attention(q, k, v, mask=None):
    raise SystemExit(Code())
