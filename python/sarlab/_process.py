"""The sarlab process: a `sarlab stdio` child speaking JSON lines on its stdin and stdout."""

import json
import os
import shutil
import subprocess
import threading

PROTOCOL = 1


class SarlabError(Exception):
    """An error reported by sarlab (bad input names the field, the value and what was expected)."""


def default_command():
    """The command that starts the server.

    In order: the SARLAB_COMMAND environment variable (split on spaces), the repository's
    bin/sarlab.js beside this package (a clone), `sarlab` on the PATH (a global or project
    install, e.g. node_modules/.bin), else `npx --no-install sarlab`.
    """
    configured = os.environ.get("SARLAB_COMMAND")
    if configured:
        return configured.split()
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "..", "..", "bin", "sarlab.js")
    node = shutil.which("node")
    if node and os.path.exists(script):
        return [node, os.path.normpath(script)]
    found = shutil.which("sarlab")
    if found:
        return [found]
    return ["npx", "--no-install", "sarlab"]


class SarlabProcess:
    """One `sarlab stdio` process; environments and learners made through it live in it.

    Calls are serialised (one request, one answer); use one process per thread. The process
    ends with `close()`, at the end of a `with` block, or when the interpreter exits.
    """

    def __init__(self, command=None):
        self._command = list(command) if command else default_command()
        try:
            self._child = subprocess.Popen(
                self._command + ["stdio"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as error:
            raise SarlabError(
                "cannot start sarlab (%s): install Node 20+ and sarlab, or set SARLAB_COMMAND"
                % " ".join(self._command)
            ) from error
        self._lock = threading.Lock()
        self._next = 0
        hello = self.call("hello")
        if hello.get("protocol") != PROTOCOL:
            self.close()
            raise SarlabError("sarlab speaks protocol %r, this module %r" % (hello.get("protocol"), PROTOCOL))
        self.version = hello.get("version")

    def call(self, op, **fields):
        """Sends one request and returns its answer (a dict); raises SarlabError on an error."""
        with self._lock:
            if self._child.poll() is not None:
                raise SarlabError("the sarlab process has ended: %s" % self._stderr_tail())
            self._next += 1
            request = dict(fields, op=op, id=self._next)
            try:
                self._child.stdin.write(json.dumps(request, allow_nan=False) + "\n")
                self._child.stdin.flush()
                line = self._child.stdout.readline()
            except (BrokenPipeError, ValueError) as error:
                raise SarlabError("the sarlab process has ended: %s" % self._stderr_tail()) from error
            if not line:
                raise SarlabError("the sarlab process has ended: %s" % self._stderr_tail())
            answer = json.loads(line)
            if not answer.get("ok"):
                raise SarlabError(answer.get("error", "unknown error"))
            answer.pop("ok", None)
            answer.pop("id", None)
            return answer

    def _stderr_tail(self):
        try:
            self._child.wait(timeout=2)
            return (self._child.stderr.read() or "").strip().splitlines()[-1:] or "no message"
        except Exception:  # noqa: BLE001 - best effort for an error message
            return "no message"

    def close(self):
        """Ends the process (idempotent)."""
        child = getattr(self, "_child", None)
        if child is None or child.poll() is not None:
            return
        try:
            child.stdin.write(json.dumps({"op": "quit"}) + "\n")
            child.stdin.close()
            child.wait(timeout=5)
        except Exception:  # noqa: BLE001
            child.kill()
            child.wait()
        finally:
            for stream in (child.stdout, child.stderr):
                if stream:
                    stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


_shared = None


def shared_process():
    """A process shared by environments and learners made without one."""
    global _shared
    if _shared is None or _shared._child.poll() is not None:
        _shared = SarlabProcess()
    return _shared
