"""Tests of the Python module: each result is checked against the same run in Node."""

import json
import math
import os
import subprocess
import unittest

import sarlab

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 2000


def node_reference(mode, config):
    """The same computation done by the library in Node (tests/reference.mjs)."""
    out = subprocess.run(
        ["node", os.path.join(HERE, "reference.mjs"), mode, str(STEPS), json.dumps(config)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


class ClosedLoopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process = sarlab.SarlabProcess()

    @classmethod
    def tearDownClass(cls):
        cls.process.close()

    def test_closed_loop_matches_node_bit_for_bit(self):
        config = {"seed": 3, "rule": "sar", "learningRate": 0.05, "network": {"layers": [10, 10, 2]}}
        env = sarlab.LineFollowerEnv(config, process=self.process)
        learner = sarlab.Learner(env.predictor_count, config=config, process=self.process)
        observation, info = env.reset(seed=3)
        self.assertEqual(len(observation), env.predictor_count)
        sum_abs_error = 0.0
        outputs = []
        for _ in range(STEPS):
            outputs = learner.do_step(observation, info["error"])
            u = 5 * info["error"] + 10 * (outputs[0] + outputs[1])
            observation, reward, terminated, truncated, info = env.step([20 + u, 20 - u])
            self.assertEqual(reward, -abs(info["error"]))
            sum_abs_error += abs(info["error"])
        node = node_reference("loop", config)
        self.assertEqual((info["x"], info["y"], info["theta"]), (node["x"], node["y"], node["theta"]))
        self.assertEqual(list(outputs), node["outputs"])
        self.assertEqual(learner.network(), node["network"])  # every weight, bit for bit
        # A sum over 2000 steps in another order may differ in the last bits only.
        self.assertAlmostEqual(sum_abs_error, node["sumAbsError"], delta=1e-12 * max(1.0, sum_abs_error))
        # It learned: the weights moved, and the robot is still on the track.
        self.assertTrue(learner.learned)
        self.assertEqual(info["reason"], "")

    def test_learner_alone_matches_node(self):
        config = {"seed": 5, "rule": "backprop", "learningRate": 0.01,
                  "network": {"layers": [6, 2], "activation": "tanh"},
                  "filters": {"kind": "fir", "count": 3}}
        learner = sarlab.Learner(4, config=config, process=self.process)
        self.assertEqual((learner.input_count, learner.output_count), (4, 2))
        outputs = []
        for t in range(STEPS):
            # Triangle waves: exact in any language (sin differs in the last bit between libraries).
            inputs = [((t * (i + 1)) % 97) / 48.5 - 1 for i in range(4)]
            outputs = learner.doStep(inputs, [((t * 7) % 31) / 15.5 - 1, 0.5 - ((t * 3) % 17) / 17])
        node = node_reference("learner", config)
        self.assertEqual(list(outputs), node["outputs"])
        self.assertEqual(learner.network(), node["network"])
        self.assertEqual(learner.getOutput(1), outputs[1])


class ContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process = sarlab.SarlabProcess()

    @classmethod
    def tearDownClass(cls):
        cls.process.close()

    def test_gymnasium_style_signatures(self):
        env = sarlab.make("LineFollower-v0", world={"inputs": "camera"}, process=self.process, max_episode_steps=3)
        first = env.reset(seed=1)
        self.assertEqual(len(first), 2)
        self.assertEqual(len(first[0]), env.predictor_count)
        self.assertTrue(env.observation_space.contains(first[0]))
        self.assertEqual(env.observation_space.shape, (env.predictor_count,))
        self.assertEqual(env.action_space.shape, (2,))
        self.assertTrue({"x", "y", "theta", "error", "reflex", "cue", "reason"} <= set(first[1]))
        results = [env.step((20.0, 20.0)) for _ in range(3)]
        self.assertTrue(all(len(r) == 5 for r in results))
        self.assertEqual([r[3] for r in results], [False, False, True])  # truncated at the limit
        again, _ = env.reset(seed=1)
        self.assertEqual(list(again), list(first[0]))  # a reset starts the same episode again
        self.assertIsNone(env.render())
        env.close()

    def test_check_env_passes_and_catches_a_broken_environment(self):
        env = sarlab.make("LineFollower-v0", process=self.process)
        self.assertIsNone(sarlab.check_env(env))

        class OutOfItsSpace:
            """The line follower with observations pushed out of [0, 1] and a reward that is not a float."""

            def __init__(self, inner):
                self.inner, self.action_space, self.observation_space = inner, inner.action_space, inner.observation_space

            def reset(self, seed=None, options=None):
                return self.inner.reset(seed=seed)

            def step(self, action):
                observation, reward, terminated, truncated, info = self.inner.step(action)
                return [v + 2 for v in observation], str(reward), terminated, truncated, info

            def render(self):
                return "a picture"

        with self.assertRaises(sarlab.EnvCheckError) as caught:
            sarlab.check_env(OutOfItsSpace(env))
        problems = caught.exception.problems
        self.assertIn("step 0: the observation is not inside observation_space", "\n".join(problems))
        self.assertIn("step 0: reward", "\n".join(problems))
        self.assertIn("render() returned", "\n".join(problems))
        self.assertIsInstance(caught.exception, sarlab.SarlabError)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^make: got 'LineFollower-v9', expected one of LineFollower-v0$"):
            sarlab.make("LineFollower-v9")
        env.close()

    def test_random_actions_keep_observations_in_their_space(self):
        env = sarlab.make("LineFollower-v0", process=self.process, track_scale=1)
        observation, info = env.reset(seed=4)
        env.action_space.seed(4)
        for _ in range(STEPS):
            observation, reward, terminated, truncated, info = env.step(env.action_space.sample())
            self.assertTrue(math.isfinite(reward) and reward <= 0)
            self.assertTrue(env.observation_space.contains(observation))
            if terminated or truncated:
                self.assertIn(info["reason"], ("line-lost", "left-arena"))
                observation, info = env.reset()
        env.close()

    def test_errors_name_the_field(self):
        env = sarlab.LineFollowerEnv(process=self.process)
        env.reset()
        with self.assertRaisesRegex(sarlab.SarlabError, r"^action: got \[1\], expected a list of 2 finite numbers$"):
            env.step([1])
        with self.assertRaisesRegex(sarlab.SarlabError, r"^action\[1\]: got 'fast', expected a finite number$"):
            env.step([1, "fast"])
        with self.assertRaisesRegex(sarlab.SarlabError, r"^config\.learningRate: got -1, expected a number >= 0$"):
            sarlab.Learner(3, learning_rate=-1, process=self.process)
        learner = sarlab.Learner(3, layers=[2], process=self.process)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^inputs: got \[1,2\], expected a list of 3 finite numbers$"):
            learner.do_step([1, 2], 0.1)
        # The process goes on after errors.
        self.assertEqual(len(learner.do_step([1, 2, 3], 0.1)), 2)

    def test_set_learning_rate_zero_freezes(self):
        learner = sarlab.Learner(2, layers=[3, 1], process=self.process)
        learner.do_step([0.5, 0.1], 0.0)
        learner.set_learning_rate(0)
        before = learner.network()
        for _ in range(10):
            learner.do_step([0.5, 0.1], 0.3)
        self.assertEqual(learner.network(), before)


if __name__ == "__main__":
    unittest.main()
