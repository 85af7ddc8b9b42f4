"""sarlab from Python: Sign and Relevance learning in a closed loop.

Two entry points, standard library only, backed by a `sarlab stdio` process (Node 20+):

- `LineFollowerEnv`: the simulated line follower, Gymnasium-style (`reset`, `step`).
- `Learner`: the closed-loop learner, called like the authors' FCL library
  (`do_step(inputs, error)` -> outputs).

See docs/python.md.
"""

from ._process import SarlabError, SarlabProcess, default_command, shared_process
from .env import LineFollowerEnv
from .learner import Learner

__all__ = ["Learner", "LineFollowerEnv", "SarlabError", "SarlabProcess", "default_command", "shared_process"]
__version__ = "0.1.0"
