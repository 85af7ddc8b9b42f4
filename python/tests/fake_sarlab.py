"""A stand-in for `sarlab stdio` that misbehaves on request, for the client's robustness tests.

Usage: fake_sarlab.py MODE stdio. MODE `crash` dies at start as Node does on a missing file;
`noisy` writes 1 MB to stderr before answering hello; otherwise it serves these ops:
hello, echo (answers `value`), hang (never answers), garbage (a line that is not JSON),
nonobject (a JSON list), block (answered only when the next request arrives; it first writes a
byte to the FIFO named by FAKE_SIGNAL, so a test knows the request is in).
"""

import json
import os
import sys

mode = sys.argv[1]
out = sys.stdout

if mode == "crash":
    sys.stderr.write(
        "node:internal/modules/esm/resolve:275\n    throw new ERR_MODULE_NOT_FOUND(\n          ^\n\n"
        "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/somewhere/dist/src/cli/main.js'\n"
        "    at finalizeResolution (node:internal/modules/esm/resolve:275:11) {\n"
        "  code: 'ERR_MODULE_NOT_FOUND'\n}\n\nNode.js v20.20.2\n"
    )
    sys.exit(1)


def answer(request, **fields):
    out.write(json.dumps(dict(fields, id=request.get("id"), ok=True)) + "\n")
    out.flush()


blocked = None
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        request = json.loads(line)
    except ValueError:
        out.write(json.dumps({"ok": False, "error": "a request must be one JSON object on one line"}) + "\n")
        out.flush()
        continue
    if blocked is not None:
        answer(blocked, value="late answer of the blocked call")
        blocked = None
    op = request.get("op")
    if op == "hello":
        if mode == "noisy":
            sys.stderr.write(("x" * 1023 + "\n") * 1024)
            sys.stderr.flush()
        answer(request, protocol=1, version="fake")
    elif op == "echo":
        answer(request, value=request.get("value"))
    elif op == "hang":
        pass
    elif op == "garbage":
        out.write("Debugger listening on ws://127.0.0.1:9229\n")
        out.flush()
    elif op == "nonobject":
        out.write("[1, 2]\n")
        out.flush()
    elif op == "block":
        blocked = request
        with open(os.environ["FAKE_SIGNAL"], "wb") as signal_fifo:
            signal_fifo.write(b"!")
    elif op == "quit":
        answer(request)
        break
    else:
        out.write(json.dumps({"id": request.get("id"), "ok": False, "error": "op: got %r" % op}) + "\n")
        out.flush()
