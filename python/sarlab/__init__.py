"""sarlab from Python: Sign and Relevance learning in a closed loop.

Backed by a `sarlab stdio` process (Node 20+), standard library only; numpy arrays in and out
when numpy is installed.

- `make("LineFollower-v0", **config)` / `LineFollowerEnv`: the simulated line follower with
  Gymnasium's conventions (`reset`, `step`, `action_space`, `observation_space`).
- `check_env(env)`: checks an environment against those conventions.
- `Learner`: the closed-loop learner, called like the authors' FCL library
  (`do_step(inputs, error)` -> outputs), saved and loaded as sarlab model files.

See docs/python.md.
"""

from ._errors import SarlabError
from ._numeric import has_numpy
from ._process import SarlabProcess, default_command, shared_process
from ._version import __version__
from .check import EnvCheckError, check_env
from .env import LineFollowerEnv
from .learner import Learner
from .spaces import Box

ENVIRONMENTS = {"LineFollower-v0": LineFollowerEnv}


def make(name, max_episode_steps=None, process=None, **config):
    """An environment by name, as `gymnasium.make` does: `make("LineFollower-v0", track="default",
    world={"inputs": "camera"})`. The keywords are the run configuration (Python or sarlab spelling)."""
    if name not in ENVIRONMENTS:
        raise SarlabError("make: got %r, expected one of %s" % (name, ", ".join(sorted(ENVIRONMENTS))))
    return ENVIRONMENTS[name](config, process=process, max_episode_steps=max_episode_steps)


__all__ = [
    "Box", "EnvCheckError", "Learner", "LineFollowerEnv", "SarlabError", "SarlabProcess", "__version__",
    "check_env", "default_command", "has_numpy", "make", "shared_process",
]
