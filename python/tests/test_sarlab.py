"""Tests of the Python module: each result is checked against the same run in Node."""

import json
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
        self.assertEqual(len(observation["predictors"]), env.predictor_count)
        sum_abs_error = 0.0
        outputs = []
        for _ in range(STEPS):
            outputs = learner.do_step(observation["predictors"], observation["error"])
            u = 5 * observation["error"] + 10 * (outputs[0] + outputs[1])
            observation, reward, terminated, truncated, info = env.step([20 + u, 20 - u])
            self.assertEqual(reward, -abs(observation["error"]))
            sum_abs_error += abs(observation["error"])
        node = node_reference("loop", config)
        self.assertEqual((info["x"], info["y"], info["theta"]), (node["x"], node["y"], node["theta"]))
        self.assertEqual(outputs, node["outputs"])
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
        self.assertEqual(outputs, node["outputs"])
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
        env = sarlab.LineFollowerEnv({"world": {"inputs": "camera"}}, process=self.process,
                                     max_episode_steps=3)
        first = env.reset(seed=1)
        self.assertEqual(len(first), 2)
        self.assertEqual(set(first[0]), {"predictors", "reflex", "error", "cue"})
        results = [env.step((20.0, 20.0)) for _ in range(3)]
        self.assertTrue(all(len(r) == 5 for r in results))
        self.assertEqual([r[3] for r in results], [False, False, True])  # truncated at the limit
        again, _ = env.reset(seed=1)
        self.assertEqual(again, first[0])  # a reset starts the same episode again
        env.close()

    def test_errors_name_the_field(self):
        env = sarlab.LineFollowerEnv(process=self.process)
        env.reset()
        with self.assertRaisesRegex(sarlab.SarlabError, r"^action: got \[1\], expected a list of 2 finite numbers$"):
            env.step([1])
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
