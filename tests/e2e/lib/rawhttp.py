"""Raw HTTP exchanges for the serve tests (imported with PYTHONPATH=tests/e2e/lib)."""
import socket


def read_until_close(s):
    """All bytes s receives until the server closes (or the socket's timeout)."""
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def exchange(addr, data, timeout=5):
    """Send data on a fresh connection to addr; return all bytes until the server closes."""
    s = socket.create_connection(addr, timeout=timeout)
    s.sendall(data)
    out = read_until_close(s)
    s.close()
    return out
