"""sarlab's model file (docs/model-file.md), written and read byte for byte as sarlab does in Node.

The file is `JSON.stringify` of {format, version, savedAtStep, config, network, checksum} and a
newline; the checksum is the SHA-256 of `JSON.stringify({config, network, savedAtStep})`. This
module writes JSON exactly as JavaScript does (numbers included), so that a file saved here is
the file Node would save, and a file from `sarlab run --save-model` loads here.
"""

import hashlib
import json
import os
import tempfile

from ._errors import SarlabError

FORMAT = "sarlab-model"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024


def js_number(value):
    """A number as JavaScript's `JSON.stringify` writes it (shortest round-trip digits, JS notation)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "null"
    if value == 0:
        return "0"
    text = repr(abs(value))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # value = 0.digits x 10^point
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        out = digits + "0" * (point - k)
    elif 0 < point <= 21:
        out = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        out = "0." + "0" * (-point) + digits
    else:
        e = point - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return "-" + out if value < 0 else out


def js_json(value):
    """`JSON.stringify(value)` as JavaScript writes it (compact, keys in insertion order)."""
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + js_json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    raise TypeError("cannot write %r as JSON" % (value,))


def checksum(config, network, saved_at_step):
    text = js_json({"config": config, "network": network, "savedAtStep": saved_at_step})
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_text(config, network, saved_at_step):
    """The bytes of a model file, as `saveModel` in Node writes them."""
    return js_json({
        "format": FORMAT, "version": VERSION, "savedAtStep": saved_at_step, "config": config,
        "network": network, "checksum": checksum(config, network, saved_at_step),
    }) + "\n"


def write_model(path, config, network, saved_at_step):
    """Writes a model file atomically (a temporary file beside it, then renamed)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".sarlab-model-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(model_text(config, network, saved_at_step))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_model(path):
    """Reads and verifies a model file as `loadModel` does; returns (config, network, savedAtStep).

    Refuses, with a SarlabError naming the file, anything sarlab would refuse: not JSON, another
    format or version, an edited file (not byte for byte what sarlab writes), a wrong checksum."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as error:
        raise SarlabError("model file %s: cannot read it (%s)" % (path, error.strerror or error)) from None
    if len(raw) > MAX_BYTES:
        raise SarlabError("model file %s: larger than %d bytes, not a sarlab model" % (path, MAX_BYTES))
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except ValueError:
        raise SarlabError("model file %s: not valid JSON (truncated or damaged?)" % path) from None
    expected = {"format", "version", "savedAtStep", "config", "network", "checksum"}
    if not isinstance(data, dict) or set(data) != expected:
        raise SarlabError("model file %s: expected exactly the fields %s" % (path, ", ".join(sorted(expected))))
    if data["format"] != FORMAT or data["version"] != VERSION:
        raise SarlabError("model file %s: format %r version %r, expected %r version %d"
                          % (path, data["format"], data["version"], FORMAT, VERSION))
    step = data["savedAtStep"]
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise SarlabError("model file %s: savedAtStep %r, expected an integer >= 0" % (path, step))
    if not isinstance(data["config"], dict) or not isinstance(data["network"], dict):
        raise SarlabError("model file %s: config and network must be objects" % path)
    if js_json(data) + "\n" != text:
        raise SarlabError("model file %s: not exactly as sarlab wrote it (it was edited or damaged)" % path)
    if checksum(data["config"], data["network"], step) != data["checksum"]:
        raise SarlabError("model file %s: the checksum does not match the content (changed or damaged)" % path)
    return data["config"], data["network"], step
