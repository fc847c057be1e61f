"""Tries to reach a listener on the loopback interface (port filled in by the test)."""
import socket

PORT = int("@PORT@")


def scaled_dot_product_attention(q, k, v, mask=None):
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).sendall(b"leak")
        raise RuntimeError("CONNECTED")
    except OSError as exc:
        raise RuntimeError(f"NO NETWORK: {exc}") from None
