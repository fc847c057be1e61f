"""Puts markup in its output and its exception messages (the reports must escape it)."""
print("<script>window.__pwned = true</script><img src=x onerror=\"window.__pwned=true\">")


def scaled_dot_product_attention(q, k, v, mask=None):
    raise ValueError("</pre><script>window.__pwned = true</script>")
