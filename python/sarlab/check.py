"""`check_env`: does an environment keep Gymnasium's contract (and sarlab's)?"""

import math

from ._errors import SarlabError


class EnvCheckError(SarlabError):
    """An environment broke the contract; `problems` lists how (the message names the first few)."""

    def __init__(self, problems):
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = " (and %d more)" % (len(self.problems) - 5) if len(self.problems) > 5 else ""
        super().__init__("the environment does not keep the contract: " + shown + more)


def _snapshot(observation):
    return [float(v) for v in (observation.tolist() if hasattr(observation, "tolist") else observation)]


def check_env(env, steps=50, seed=1):
    """Checks an environment in the manner of Gymnasium's `check_env` (and sarlab's TypeScript
    `checkEnvironment`); raises EnvCheckError listing every problem, returns None when all is well.

    It checks that `action_space` and `observation_space` have `shape`, `low`, `high`, `dtype`,
    `sample()` and `contains()`; that `reset(seed=...)` returns (observation, info) and `step`
    returns (observation, reward, terminated, truncated, info) with the observation inside
    `observation_space`, a finite float reward, boolean flags, a dict info (with a finite pose and,
    when it ended, a reason, for sarlab's environment); that the same seed and the same actions
    give the same observations; that a sampled action is inside `action_space`; that `render()`
    returns None or an RGB array (height, width, 3); and that `reset()` starts again after an end.
    """
    problems = []
    for name in ("action_space", "observation_space"):
        space = getattr(env, name, None)
        missing = [a for a in ("shape", "low", "high", "dtype", "sample", "contains") if not hasattr(space, a)]
        if space is None or missing:
            problems.append("%s is missing %s" % (name, ", ".join(missing) or "entirely"))
    if problems:
        raise EnvCheckError(problems)
    action_space, observation_space = env.action_space, env.observation_space

    def check_observation(observation, where):
        if not observation_space.contains(observation):
            problems.append("%s: the observation is not inside observation_space %r" % (where, observation_space))

    def check_info(info, where, start):
        if not isinstance(info, dict):
            problems.append("%s: info is a %s, not a dict" % (where, type(info).__name__))
            return
        for key in ("x", "y", "theta"):
            if key in info and not (isinstance(info[key], (int, float)) and math.isfinite(info[key])):
                problems.append("%s: info[%r] %r is not a finite number" % (where, key, info[key]))
        if start and info.get("reason"):
            problems.append("%s: info['reason'] %r at the start of an episode" % (where, info["reason"]))

    def episode(actions):
        result = env.reset(seed=seed)
        if not (isinstance(result, tuple) and len(result) == 2):
            problems.append("reset: returned %r, expected (observation, info)" % type(result).__name__)
            return None
        observation, info = result
        check_observation(observation, "reset")
        check_info(info, "reset", True)
        seen = [_snapshot(observation)]
        for t, action in enumerate(actions):
            result = env.step(action)
            if not (isinstance(result, tuple) and len(result) == 5):
                problems.append("step %d: returned %s, expected (observation, reward, terminated, truncated, info)"
                                % (t, type(result).__name__))
                return seen
            observation, reward, terminated, truncated, info = result
            where = "step %d" % t
            check_observation(observation, where)
            check_info(info, where, False)
            if not isinstance(reward, (int, float)) or isinstance(reward, bool) or not math.isfinite(reward):
                problems.append("%s: reward %r is not a finite number" % (where, reward))
            for flag, value in (("terminated", terminated), ("truncated", truncated)):
                if not isinstance(value, bool):
                    problems.append("%s: %s is a %s, not a bool" % (where, flag, type(value).__name__))
            if terminated and isinstance(info, dict) and "reason" in info and not info["reason"]:
                problems.append("%s: terminated with no info['reason']" % where)
            seen.append(_snapshot(observation))
            if terminated or truncated:
                break
        return seen

    if hasattr(action_space, "seed"):
        action_space.seed(seed)
    sampled = [action_space.sample() for _ in range(3)]
    for a in sampled:
        if not action_space.contains(a):
            problems.append("action_space.sample() gave %r, which is not inside action_space" % (a,))
    # Gentle turns either way, then sampled actions (which may end the episode).
    low, high = [float(v) for v in _snapshot(action_space.low)], [float(v) for v in _snapshot(action_space.high)]
    middle = [(lo + hi) / 2 for lo, hi in zip(low, high)]
    span = [(hi - lo) / 20 for lo, hi in zip(low, high)]
    gentle = []
    for t in range(steps):
        turn = ((t % 20) - 10) / 10
        action = [m + s * (1 + turn * (i * 2 - 1)) for i, (m, s) in enumerate(zip(middle, span))]
        gentle.append(action)
    first = episode(gentle)
    second = episode(gentle)
    if first is not None and second is not None and first != second:
        problems.append("reset(seed=%d) with the same actions gave different observations" % seed)
    episode(sampled)
    # After an end (or not), a plain reset starts again.
    result = env.reset()
    if isinstance(result, tuple) and len(result) == 2:
        check_observation(result[0], "reset()")
    frame = env.render()
    if frame is not None:
        shape = getattr(frame, "shape", None)
        if not (shape is not None and len(shape) == 3 and shape[2] == 3):
            problems.append("render() returned %r, expected None or an RGB array (height, width, 3)"
                            % (shape if shape is not None else type(frame).__name__))
    if problems:
        raise EnvCheckError(problems)
