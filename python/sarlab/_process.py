"""The sarlab process: a `sarlab stdio` child speaking JSON lines on its stdin and stdout.

Two threads read the child's stdout and stderr all the time, so that a child that writes a lot to
stderr never blocks, and a call can wait for its answer with a timeout. Every request carries an
id and only the answer with that id is taken: an answer left over from an interrupted call
(Ctrl-C, "interrupt kernel") is recognised and dropped, so later answers are never one behind.
"""

import collections
import io
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import threading
import time

from ._errors import SarlabError
from ._numeric import plain

PROTOCOL = 1
#: Seconds a call waits for its answer before the process is taken as hung and stopped.
DEFAULT_TIMEOUT = 60.0
#: The longest answer line taken (bytes); a longer one is refused (the process stays usable).
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_STDERR_LINES = 200

NOT_FOUND = (
    "sarlab not found: install Node 20+ and then sarlab (npm install -g sarlab), or set SARLAB_COMMAND "
    "to the command that runs it (e.g. \"node /path/to/sarlab/bin/sarlab.js\")"
)


def default_command():
    """The command that starts sarlab (`stdio` is added to it).

    In order: the SARLAB_COMMAND environment variable (split as a shell would), the clone's
    bin/sarlab.js when this package is used from a clone, a project install's
    node_modules/.bin/sarlab in the current folder, `sarlab` on the PATH. Nothing is looked up in a
    package registry: when none is found, a SarlabError says how to get it.
    """
    configured = os.environ.get("SARLAB_COMMAND", "").strip()
    if configured:
        return shlex.split(configured)
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.normpath(os.path.join(here, "..", "..", "bin", "sarlab.js"))
    if os.path.isfile(script):
        node = shutil.which("node")
        if not node:
            raise SarlabError("node not found: sarlab needs Node 20+ on the PATH (or set SARLAB_COMMAND)")
        return [node, script]
    local = os.path.join(os.getcwd(), "node_modules", ".bin", "sarlab")
    if os.path.isfile(local):
        return [local]
    found = shutil.which("sarlab")
    if found:
        return [found]
    raise SarlabError(NOT_FOUND)


_ERROR_LINE = re.compile(r"^(\w*(Error|Exception)\b|sarlab\b|error\b|fatal\b)", re.IGNORECASE)


def _cause(lines):
    """The line of a child's stderr that says why it ended (not Node's version banner or a stack frame)."""
    meaningful = [line.strip() for line in lines
                  if line.strip() and not line.strip().startswith(("at ", "^", "}", "{"))
                  and not re.match(r"^Node\.js v\d", line.strip())]
    for line in meaningful:
        if _ERROR_LINE.match(line):
            return line
    return meaningful[-1] if meaningful else "no message on stderr"


class _TooLong:
    """What the reader hands over for an answer line longer than MAX_ANSWER_BYTES."""

    def __init__(self, size):
        self.size = size


def _read_answers(stream, answers):
    try:
        while True:
            line = stream.readline(MAX_ANSWER_BYTES + 1)
            if not line:
                break
            if len(line) > MAX_ANSWER_BYTES and not line.endswith(b"\n"):
                size = len(line)
                while line and not line.endswith(b"\n"):  # skip the rest of the line, in pieces
                    line = stream.readline(1024 * 1024)
                    size += len(line)
                answers.put(_TooLong(size))
                continue
            answers.put(line)
    except (OSError, ValueError):
        pass
    finally:
        answers.put(None)
        stream.close()


def _read_stderr(stream, lines):
    try:
        for line in iter(stream.readline, b""):
            lines.append(line[:2000].decode("utf-8", "replace").rstrip("\n"))
    except (OSError, ValueError):
        pass
    finally:
        stream.close()


class SarlabProcess:
    """One `sarlab stdio` process; environments and learners made through it live in it.

    `command`: the command that starts sarlab (default: `default_command()`); `timeout`: seconds a
    call waits for its answer (None: no limit). A call that times out stops the process (it is
    taken as hung); its environments and learners are then gone, and `shared_process()` starts a
    new one. Calls are serialised (one request, one answer); use one process per thread. The
    process ends with `close()`, at the end of a `with` block, or when the interpreter exits.
    """

    def __init__(self, command=None, timeout=DEFAULT_TIMEOUT):
        self._command = list(command) if command else default_command()
        self.timeout = timeout
        try:
            self._child = subprocess.Popen(
                self._command + ["stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, bufsize=0,
            )
        except OSError as error:
            raise SarlabError("cannot start sarlab (%s: %s): %s"
                              % (" ".join(self._command), error.strerror or error, NOT_FOUND)) from None
        self._answers = queue.Queue()
        self._stderr = collections.deque(maxlen=_STDERR_LINES)
        stdout = io.BufferedReader(self._child.stdout, 1 << 16)
        stderr = io.BufferedReader(self._child.stderr, 1 << 16)
        self._readers = [
            threading.Thread(target=_read_answers, args=(stdout, self._answers), daemon=True),
            threading.Thread(target=_read_stderr, args=(stderr, self._stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._lock = threading.Lock()
        self._next = 0
        self._half_written = False
        self._released = collections.deque()
        self._stopped = None
        hello = self.call("hello")
        if hello.get("protocol") != PROTOCOL:
            self.close()
            raise SarlabError("sarlab speaks protocol %r, this module %r: install matching versions"
                              % (hello.get("protocol"), PROTOCOL))
        #: The sarlab version of the process.
        self.version = hello.get("version")

    @property
    def alive(self):
        """Whether the process is running."""
        return self._stopped is None and self._child.poll() is None

    def call(self, op, timeout=None, **fields):
        """Sends one request and returns its answer (a dict); raises SarlabError on an error.

        `timeout` (seconds) overrides the process's for this call. NaN and infinities are refused
        here, naming the field, before anything is sent; numpy values are sent as numbers and lists.
        """
        with self._lock:
            if not self.alive:
                raise self._ended_error()
            ident = self._next + 1
            request = dict(fields, op=op, id=ident)
            try:
                line = json.dumps(request, allow_nan=False, separators=(",", ":"))
            except (TypeError, ValueError):
                # numpy values, or a NaN or an infinity somewhere: convert, or refuse naming the field.
                checked = {key: plain(value, key) for key, value in fields.items()}
                line = json.dumps(dict(checked, op=op, id=ident), allow_nan=False, separators=(",", ":"))
            self._next = ident
            self._send(self._pending_releases() + line.encode("utf-8") + b"\n")
            return self._wait(op, ident, self.timeout if timeout is None else timeout)

    def release(self, kind, ident):
        """Frees an environment or a learner in the process, with the next call (safe from a finaliser:
        nothing is sent now). Its answer is not waited for; a server without `close` answers an error
        that is dropped like any stale answer."""
        self._released.append((kind, ident))

    def _pending_releases(self):
        data = b""
        while self._released:
            kind, ident = self._released.popleft()
            self._next += 1
            data += json.dumps({"op": "close", kind: ident, "id": self._next}).encode("utf-8") + b"\n"
        return data

    def _send(self, data):
        stdin = self._child.stdin
        if self._half_written:
            # An interrupt cut the last request short: end that line, so this one is not glued to it
            # (the server answers the broken line with an error that carries no id, and it is dropped).
            data = b"\n" + data
        self._half_written = True
        try:
            view = memoryview(data)
            while view:
                written = stdin.write(view)
                view = view[written or 0:]
            self._half_written = False
        except (BrokenPipeError, OSError, ValueError):
            raise self._ended_error() from None

    def _wait(self, op, ident, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                item = self._answers.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._stop("it did not answer %r within %g s" % (op, timeout))
                raise SarlabError("sarlab did not answer %r within %g s: the process was stopped (its environments "
                                  "and learners are gone; make new ones)" % (op, timeout)) from None
            if item is None:
                self._answers.put(None)  # later calls see the end too
                raise self._ended_error()
            if isinstance(item, _TooLong):
                raise SarlabError("sarlab's answer to %r was %d bytes, more than the %d this module takes"
                                  % (op, item.size, MAX_ANSWER_BYTES))
            try:
                answer = json.loads(item)
            except ValueError:
                raise SarlabError("sarlab answered %r with a line that is not JSON: %s (is SARLAB_COMMAND a sarlab?)"
                                  % (op, _snippet(item))) from None
            if not isinstance(answer, dict):
                raise SarlabError("sarlab answered %r with a line that is not a JSON object: %s"
                                  % (op, _snippet(item)))
            if answer.get("id") != ident:
                continue  # the answer to an interrupted call or a release: not this call's
            if answer.get("ok") is not True:
                raise SarlabError(str(answer.get("error") or "sarlab answered %r with an error and no message" % op))
            answer.pop("ok", None)
            answer.pop("id", None)
            return answer

    def _stop(self, why):
        self._stopped = why
        try:
            self._child.kill()
            self._child.wait(timeout=5)
        except Exception:  # noqa: BLE001 - best effort
            pass

    def _ended_error(self):
        if self._stopped:
            return SarlabError("the sarlab process was stopped: %s" % self._stopped)
        try:
            code = self._child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._readers[1].join(timeout=5)
        status = "exit code %s" % code if code is not None and code >= 0 else (
            "signal %d" % -code if code is not None else "still running, its output closed")
        return SarlabError("the sarlab process has ended (%s): %s" % (status, _cause(list(self._stderr))))

    def stderr_tail(self, lines=20):
        """The last lines the process wrote to stderr (for diagnosis)."""
        return list(self._stderr)[-lines:]

    def close(self):
        """Ends the process (idempotent)."""
        child = getattr(self, "_child", None)
        if child is None:
            return
        if child.poll() is None:
            try:
                child.stdin.write(b'{"op":"quit"}\n')
                child.stdin.close()
                child.wait(timeout=5)
            except Exception:  # noqa: BLE001
                child.kill()
                child.wait()
        if self._stopped is None:
            self._stopped = "it was closed"
        for stream in (child.stdin, child.stdout, child.stderr):
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


def _snippet(raw):
    text = raw.decode("utf-8", "replace").strip()
    return repr(text if len(text) <= 80 else text[:77] + "...")


_shared = None
_shared_lock = threading.Lock()


def shared_process():
    """A process shared by environments and learners made without one (a new one if it has ended)."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.alive:
            _shared = SarlabProcess()
        return _shared
