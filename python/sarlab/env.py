"""The simulated line follower as a Gymnasium-style environment."""

import re
import weakref

from ._errors import SarlabError
from ._numeric import finite_list, integer, vector
from ._process import shared_process
from .spaces import box

#: The wheel speeds `action_space` allows, cm/s (the robot's cruising speed is 20 by default).
MAX_WHEEL_SPEED = 100.0
#: The sensor noise is Gaussian (standard deviation `world.sensorNoise`), drawn by Box-Muller from
#: 53-bit uniforms, so it never exceeds sqrt(106 ln 2) = 8.57 standard deviations.
NOISE_BOUND = 8.6


def camel_case(key):
    """`track_scale` -> `trackScale` (sarlab's spelling); keys already in it are kept."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)


class LineFollowerEnv:
    """sarlab's simulated line follower, with Gymnasium's conventions (Gymnasium is not imported).

    `reset(seed=None, options=None)` returns `(observation, info)`; `step(action)` returns
    `(observation, reward, terminated, truncated, info)`.

    - `action`: the two wheel speeds [left, right] in cm/s, inside `action_space`
      (a Box of shape (2,), float32, in [-MAX_WHEEL_SPEED, MAX_WHEEL_SPEED]).
    - `observation`: the predictive inputs, a flat float64 vector of `predictor_count` values:
      darkness in [0, 1] of the rows of sensors ahead or of the camera patches, plus the sensor
      noise (Gaussian, standard deviation `world.sensorNoise`, never beyond NOISE_BOUND of them),
      inside `observation_space`. A numpy array with numpy, a list without.
    - `reward`: -|e|, e the closed-loop error.
    - `info`: `error` (e = left - right grey of the reflex sensors, the error a learner learns
      from), `reflex` (the raw reflex readings), `cue` (how sharp the bend ahead is, in [0, 1]),
      the pose `x`, `y` (cm), `theta` (rad), and `reason` (`line-lost`, `left-arena`) when the
      episode ended (`terminated`). `truncated` is true after `max_episode_steps`.

    `config` is a sarlab run configuration (a dict as in a config file, docs/configuration.md;
    top-level keys in Python spelling such as `track_scale` work too): its `track`, `trackScale` and
    `world` make the world. `render()` returns None (`render_mode` is None): plot `info["x"]`,
    `info["y"]` for the path.
    """

    metadata = {"render_modes": []}
    render_mode = None
    spec = None

    def __init__(self, config=None, process=None, max_episode_steps=None):
        config = {camel_case(k): v for k, v in (config or {}).items()}
        self._process = process or shared_process()
        made = self._process.call("make_env", config=config)
        self._id = made["env"]
        self._release = weakref.finalize(self, self._process.release, "env", self._id)
        #: The resolved configuration (every default filled in).
        self.config = made["config"]
        #: Number of predictive inputs per step (the observation's length).
        self.predictor_count = made["predictors"]
        #: Control period in seconds.
        self.dt = made["dt"]
        self.max_episode_steps = max_episode_steps
        self._steps = 0
        self.action_space = box(-MAX_WHEEL_SPEED, MAX_WHEEL_SPEED, (2,), "float32")
        noise = NOISE_BOUND * float(self.config.get("world", {}).get("sensorNoise", 0.0))
        self.observation_space = box(-noise, 1.0 + noise, (self.predictor_count,), "float64")
        self.reward_range = (float("-inf"), 0.0)
        self.np_random = None

    @property
    def unwrapped(self):
        return self

    def reset(self, seed=None, options=None):
        """Starts an episode at the track's start pose; returns (observation, info).

        The same seed and the same actions give the same observations, to the bit."""
        seed = None if seed is None else integer(seed, "seed")
        if seed is not None:
            self.action_space.seed(seed)
        answer = self._call("reset", seed=seed)
        self._steps = 0
        return self._split(answer["observation"], answer["info"])

    def step(self, action):
        """Drives one control period with wheel speeds [left, right] (cm/s)."""
        answer = self._call("step", action=finite_list(action, "action", 2))
        self._steps += 1
        truncated = bool(answer["truncated"]) or (
            self.max_episode_steps is not None and self._steps >= self.max_episode_steps
        )
        observation, info = self._split(answer["observation"], answer["info"])
        return observation, float(answer["reward"]), bool(answer["terminated"]), truncated, info

    def render(self):
        """None: this environment draws nothing (plot `info["x"]`, `info["y"]` for the path)."""
        return None

    def _split(self, observation, info):
        info = dict(info, error=observation["error"], reflex=vector(observation["reflex"]), cue=observation["cue"])
        return vector(observation["predictors"]), info

    def _call(self, op, **fields):
        if self._id is None:
            raise SarlabError("this environment was closed")
        return self._process.call(op, env=self._id, **fields)

    def close(self):
        """Frees the environment in the sarlab process (also done when it is garbage-collected)."""
        if self._id is not None:
            self._release.detach()
            try:
                self._process.call("close", env=self._id)
            except Exception:  # noqa: BLE001 - the process may be gone already
                pass
            self._id = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<LineFollowerEnv %s, %d predictors>" % (self.config.get("track"), self.predictor_count)
