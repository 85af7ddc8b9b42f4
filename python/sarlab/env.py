"""The simulated line follower as a Gymnasium-style environment."""

from ._process import shared_process


class LineFollowerEnv:
    """sarlab's simulated line follower, in the style of a Gymnasium environment.

    `reset(seed=None)` returns (observation, info); `step(action)` returns (observation,
    reward, terminated, truncated, info). The action is the two wheel speeds [left, right] in
    cm/s. The observation is a dict: `predictors` (the predictive inputs, darkness in [0, 1]:
    rows of sensors ahead or camera patches), `reflex` (the raw reflex sensor readings),
    `error` (the closed-loop error e = left - right grey of the reflex sensors) and `cue`
    (how sharp the bend ahead is, in [0, 1]). The reward is -|e|. info holds the pose (x, y in
    cm, theta in rad) and `reason` when the episode ended.

    `config` is a sarlab run configuration (dict, as in a config file: docs/configuration.md);
    its `track`, `trackScale` and `world` settings make the world. Gymnasium is not imported:
    with Gymnasium installed, wrap it or register it; the methods and return values match.
    """

    metadata = {"render_modes": []}
    render_mode = None

    def __init__(self, config=None, process=None, max_episode_steps=None):
        self._process = process or shared_process()
        made = self._process.call("make_env", config=config or {})
        self._id = made["env"]
        self.config = made["config"]
        #: Number of predictive inputs per step.
        self.predictor_count = made["predictors"]
        #: Control period in seconds.
        self.dt = made["dt"]
        self.max_episode_steps = max_episode_steps
        self._steps = 0
        self.action_space = None
        self.observation_space = None

    def reset(self, seed=None, options=None):
        """Starts an episode at the track's start pose; returns (observation, info)."""
        answer = self._process.call("reset", env=self._id, seed=seed)
        self._steps = 0
        return answer["observation"], answer["info"]

    def step(self, action):
        """Drives one control period with wheel speeds [left, right] (cm/s)."""
        answer = self._process.call("step", env=self._id, action=[float(a) for a in action])
        self._steps += 1
        truncated = answer["truncated"] or (
            self.max_episode_steps is not None and self._steps >= self.max_episode_steps
        )
        return answer["observation"], answer["reward"], answer["terminated"], truncated, answer["info"]

    def close(self):
        """Releases the environment in the sarlab process."""
        if self._id is not None:
            try:
                self._process.call("close", env=self._id)
            except Exception:  # noqa: BLE001 - the process may be gone already
                pass
            self._id = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
