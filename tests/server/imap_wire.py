"""A tiny IMAP client for tests where the exact bytes matter: it sends lines as given and reads
whole responses (literals included) until the tagged one. Also an s-expression reader for IMAP
response data (lists, atoms, quoted strings, literals, NIL), and COMPRESS=DEFLATE framing."""
import re
import socket
import ssl
import zlib

LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\r\n$")


def unverified_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Closed(Exception):
    """The server closed the connection."""


class Wire:
    def __init__(self, port, tls=False, timeout=10, host="127.0.0.1", greeting=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = unverified_context().wrap_socket(self.sock)
        self.timeout = timeout
        self.buf = bytearray()
        self.pos = 0
        self.deflate = None
        self.inflate = None
        self.counter = 0
        self.greeting = self.response() if greeting else None

    # --- bytes ---
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.deflate is not None:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    # Received bytes not yet consumed are self.buf[self.pos:] (no copying per line or literal).
    def _fill(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise Closed()
        if self.inflate is not None:
            chunk = self.inflate.decompress(chunk)
        if self.pos > (1 << 20) and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk

    def _take(self, end):
        out = bytes(self.buf[self.pos:end])
        self.pos = end
        if self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        return out

    def pending(self):
        """Bytes received and not consumed yet."""
        return bytes(self.buf[self.pos:])

    def line(self, timeout=None):
        """One line with its CRLF (a bare LF ends a line too, so bad servers show up)."""
        scanned = self.pos
        while (i := self.buf.find(b"\n", scanned)) < 0:
            scanned = len(self.buf)
            self._fill(timeout)
        return self._take(i + 1)

    def exactly(self, n, timeout=None):
        while len(self.buf) - self.pos < n:
            self._fill(timeout)
        return self._take(self.pos + n)

    def response(self, timeout=None):
        """One whole response: a line, and for each literal it announces, the literal and the rest."""
        out = self.line(timeout)
        while True:
            m = LITERAL_AT_END.search(out)
            if not m:
                return out
            out += self.exactly(int(m.group(1)), timeout)
            out += self.line(timeout)

    def closed(self, timeout=5):
        """True when the server closes the connection (EOF) within `timeout`, ignoring what it sends."""
        try:
            while True:
                self.buf.clear()
                self.pos = 0
                self._fill(timeout)
        except Closed:
            return True
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True

    # --- commands ---
    def tag(self):
        self.counter += 1
        return f"T{self.counter:03d}"

    def until(self, tag, timeout=None):
        """Responses up to and including the tagged one: (list of untagged/continuation, tagged)."""
        if isinstance(tag, str):
            tag = tag.encode()
        untagged = []
        while True:
            r = self.response(timeout)
            if r.startswith(tag + b" "):
                return untagged, r
            untagged.append(r)

    def cmd(self, text, timeout=None):
        """Sends `tag text CRLF` and returns (untagged responses, tagged response) as bytes."""
        tag = self.tag()
        if isinstance(text, str):
            text = text.encode()
        self.send(tag.encode() + b" " + text + b"\r\n")
        return self.until(tag, timeout)

    def ok(self, text, timeout=None):
        """cmd() that must end in OK; returns the untagged responses."""
        untagged, tagged = self.cmd(text, timeout)
        assert re.match(rb"^T\d+ OK\b", tagged), (text, untagged, tagged)
        return untagged

    def login(self, user, password):
        return self.ok(f"LOGIN {quote(user)} {quote(password)}")

    def start_compress(self):
        """COMPRESS DEFLATE (RFC 4978): raw DEFLATE both ways from the byte after the tagged OK."""
        untagged, tagged = self.cmd("COMPRESS DEFLATE")
        assert re.match(rb"^T\d+ OK\b", tagged), tagged
        assert untagged == []
        self.deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        self.inflate = zlib.decompressobj(-15)
        if self.pending():  # anything already read is compressed
            pending = self.pending()
            self.buf, self.pos = bytearray(self.inflate.decompress(pending)), 0
        return tagged

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def tagged_is(tagged, prefix):
    """True when a tagged response (any test tag) starts with `prefix`, such as b"NO [TRYCREATE]"."""
    return re.match(rb"T\d+ " + re.escape(prefix), tagged) is not None


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- response data ---

class Atom(str):
    """An atom as written (NIL is None; quoted strings and literals are bytes)."""


def parse(data):
    """Parses IMAP response data (after "* "): returns a Python list of items. Lists become lists,
    quoted strings and literals bytes, NIL None, numbers int, other atoms Atom (with any [section]
    and <partial> kept in the atom, as BODY[1.MIME]<0>)."""
    if isinstance(data, str):
        data = data.encode()
    data = data.rstrip(b"\r\n")
    items, pos = _parse_list(data, 0, top=True)
    return items


def _parse_list(data, pos, top=False):
    out = []
    while pos < len(data):
        c = data[pos:pos + 1]
        if c == b" ":
            pos += 1
            continue
        if c == b")":
            if top:
                raise ValueError(f"unbalanced ) at {pos}: {data!r}")
            return out, pos + 1
        if c == b"(":
            inner, pos = _parse_list(data, pos + 1)
            out.append(inner)
            continue
        if c == b'"':
            pos += 1
            s = bytearray()
            while data[pos:pos + 1] != b'"':
                if pos >= len(data):
                    raise ValueError(f"unterminated string: {data!r}")
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                s += data[pos:pos + 1]
                pos += 1
            out.append(bytes(s))
            pos += 1
            continue
        if c in (b"{", b"~") and re.match(rb"~?\{\d+\+?\}\r\n", data[pos:]):
            m = re.match(rb"~?\{(\d+)\+?\}\r\n", data[pos:])
            start = pos + m.end()
            n = int(m.group(1))
            out.append(data[start:start + n])
            pos = start + n
            continue
        # An atom; brackets may hold spaces and parentheses (BODY[HEADER.FIELDS (A B)]).
        start = pos
        depth = 0
        while pos < len(data):
            ch = data[pos:pos + 1]
            if ch == b"[":
                depth += 1
            elif ch == b"]":
                depth -= 1
            elif depth == 0 and ch in (b" ", b"(", b")"):
                break
            pos += 1
        word = data[start:pos].decode()
        if word == "NIL":
            out.append(None)
        elif word.isdigit():
            out.append(int(word))
        else:
            out.append(Atom(word))
    if not top:
        raise ValueError(f"unterminated list: {data!r}")
    return out, pos


def fetch_items(response):
    """`* n FETCH (...)` as (n, {ITEM-NAME-UPPER: value})."""
    parsed = parse(response[2:] if response.startswith(b"* ") else response)
    assert len(parsed) == 3 and str(parsed[1]).upper() == "FETCH", response
    pairs = parsed[2]
    assert len(pairs) % 2 == 0, response
    return parsed[0], {str(pairs[i]).upper(): pairs[i + 1] for i in range(0, len(pairs), 2)}


def fetches(untagged):
    """Every FETCH response among `untagged`, as a list of (n, items)."""
    return [fetch_items(r) for r in untagged if re.match(rb"^\* \d+ FETCH ", r)]


def greeting(port, tls):
    """(socket, first line) of a fresh connection to a loopback server, over implicit TLS (not
    verified) when `tls`: what any protocol says first."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock = unverified_context().wrap_socket(raw) if tls else raw
    return sock, sock.makefile("rb").readline()
