"""Gymnasium-style spaces without Gymnasium: `Box` with `shape`, `low`, `high`, `dtype`, `sample()`
and `contains()`. With Gymnasium installed, `box()` returns a real `gymnasium.spaces.Box`."""

import random

from ._numeric import np


class Box:
    """A box in R^n, like `gymnasium.spaces.Box`: every value in [low, high].

    With numpy, `low`, `high` and `sample()` are numpy arrays of `dtype` (a numpy dtype); without
    it, lists of floats and `dtype` the dtype's name.
    """

    def __init__(self, low, high, shape, dtype="float64", seed=None):
        self.shape = tuple(shape)
        size = 1
        for n in self.shape:
            size *= n
        self._size = size
        lows = list(low) if hasattr(low, "__iter__") else [float(low)] * size
        highs = list(high) if hasattr(high, "__iter__") else [float(high)] * size
        if np is not None:
            self.dtype = np.dtype(dtype)
            self.low = np.asarray(lows, dtype=self.dtype).reshape(self.shape)
            self.high = np.asarray(highs, dtype=self.dtype).reshape(self.shape)
        else:
            self.dtype = str(dtype)
            self.low, self.high = [float(v) for v in lows], [float(v) for v in highs]
        self.seed(seed)

    def seed(self, seed=None):
        """Seeds `sample()` (as Gymnasium's `Space.seed`); returns [seed]."""
        self._random = np.random.default_rng(seed) if np is not None else random.Random(seed)
        return [seed]

    def sample(self):
        """A value drawn uniformly from the box."""
        if np is not None:
            return self._random.uniform(self.low, self.high).astype(self.dtype)
        return [self._random.uniform(lo, hi) for lo, hi in zip(self.low, self.high)]

    def contains(self, x):
        """Whether `x` has the box's shape and every value lies in [low, high]."""
        if np is not None:
            try:
                a = np.asarray(x, dtype=np.float64)
            except (TypeError, ValueError):
                return False
            return a.shape == self.shape and bool(np.all(a >= self.low) and np.all(a <= self.high))
        try:
            values = [float(v) for v in x]
        except (TypeError, ValueError):
            return False
        return len(values) == self._size and all(lo <= v <= hi for v, lo, hi in zip(values, self.low, self.high))

    __contains__ = contains

    def __repr__(self):
        low = self.low.min() if np is not None else min(self.low)
        high = self.high.max() if np is not None else max(self.high)
        return "Box(%s, %s, %s, %s)" % (low, high, self.shape, self.dtype)


def box(low, high, shape, dtype="float64"):
    """A `gymnasium.spaces.Box` when Gymnasium (and numpy) are installed, else this module's `Box`."""
    if np is not None:
        try:
            from gymnasium.spaces import Box as GymBox
        except ImportError:
            pass
        else:
            return GymBox(low=low, high=high, shape=tuple(shape), dtype=np.dtype(dtype))
    return Box(low, high, shape, dtype)
