"""Raw HTTP exchanges for the serve tests (imported with PYTHONPATH=tests/e2e/lib)."""
import socket


def exchange(addr, data, timeout=5):
    """Send data on a fresh connection to addr; return all bytes until the server closes."""
    s = socket.create_connection(addr, timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out
