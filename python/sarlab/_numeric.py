"""Numbers in and out: numpy scalars and arrays where numpy is importable, plain lists without it.

Everything that goes to the sarlab process passes through here, so that a NaN or an infinity is
refused in Python with the field named, before anything is sent.
"""

import math
import operator

try:  # numpy is optional: without it, observations and weights are plain lists.
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the test run that blocks numpy
    np = None

from ._errors import SarlabError


def has_numpy():
    """Whether numpy is importable (observations and weights come back as numpy arrays)."""
    return np is not None


def _describe(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def finite(value, field):
    """One finite number (int, float, numpy scalar or 0-d array) as a Python float."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise SarlabError("%s: got %s, expected a finite number" % (field, _describe(value)))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SarlabError("%s: got %s, expected a finite number" % (field, _describe(value))) from None
    if not math.isfinite(number):
        raise SarlabError("%s: got %s, expected a finite number" % (field, _describe(value)))
    return number


def is_sequence(value):
    """Whether a value is a list of numbers rather than one number (a numpy array with a dimension counts)."""
    if np is not None and isinstance(value, np.ndarray):
        return value.ndim > 0
    return not isinstance(value, (str, bytes)) and hasattr(value, "__iter__")


def finite_list(values, field, length=None):
    """A flat list of finite floats from a list, a tuple or a numpy array (any shape is flattened)."""
    if np is not None and isinstance(values, np.ndarray):
        values = values.ravel().tolist()
    if not is_sequence(values):
        raise SarlabError("%s: got %s, expected a list of numbers" % (field, _describe(values)))
    numbers = [finite(v, "%s[%d]" % (field, i)) for i, v in enumerate(values)]
    if length is not None and len(numbers) != length:
        raise SarlabError("%s: got %s, expected a list of %d finite numbers" % (field, _describe(values), length))
    return numbers


def integer(value, field):
    """A whole number (int, numpy integer, or a float with no fraction) as a Python int."""
    if isinstance(value, bool):
        raise SarlabError("%s: got %s, expected an integer" % (field, _describe(value)))
    try:
        return operator.index(value)
    except TypeError:
        pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SarlabError("%s: got %s, expected an integer" % (field, _describe(value))) from None
    if not number.is_integer():
        raise SarlabError("%s: got %s, expected an integer" % (field, _describe(value)))
    return int(number)


def plain(value, field):
    """A JSON-ready copy of a configuration value: numpy scalars and arrays become numbers and lists,
    and a NaN or an infinity anywhere is refused with its path named (e.g. `config.learningRate`)."""
    if isinstance(value, dict):
        return {str(k): plain(v, "%s.%s" % (field, k)) for k, v in value.items()}
    if np is not None and isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v, "%s[%d]" % (field, i)) for i, v in enumerate(value)]
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise SarlabError("%s: got %s, expected a finite number" % (field, _describe(value)))
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise SarlabError("%s: got %s, expected a number, a string, a list or a dict" % (field, _describe(value)))


def vector(values):
    """A list of floats out: a float64 numpy array with numpy, else the list itself."""
    return np.asarray(values, dtype=np.float64) if np is not None else list(values)
