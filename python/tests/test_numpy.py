"""numpy in and out: numpy scalars and arrays accepted wherever a number or a list is, observations,
outputs and weights returned as numpy arrays (skipped, saying so, where numpy is not installed)."""

import math
import unittest

import sarlab

try:
    import numpy as np
except ImportError:
    np = None


@unittest.skipIf(np is None, "numpy is not installed")
class NumpyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process = sarlab.SarlabProcess()

    @classmethod
    def tearDownClass(cls):
        cls.process.close()

    def test_float32_actions_drive_2000_steps_inside_the_space(self):
        env = sarlab.make("LineFollower-v0", process=self.process)
        observation, info = env.reset(seed=np.int64(3))
        self.assertIsInstance(observation, np.ndarray)
        self.assertEqual((observation.dtype, observation.shape), (np.float64, (env.predictor_count,)))
        self.assertIsInstance(info["reflex"], np.ndarray)
        rewards = []
        for t in range(2000):
            if t % 2:
                action = env.action_space.sample()
                self.assertEqual(action.dtype, np.float32)
            else:
                u = np.float32(5) * np.float32(info["error"])
                action = np.array([20 + u, 20 - u], dtype=np.float32)
            observation, reward, terminated, truncated, info = env.step(action)
            rewards.append(reward)
            self.assertTrue(env.observation_space.contains(observation))
            if terminated or truncated:
                observation, info = env.reset()
        self.assertTrue(all(math.isfinite(r) for r in rewards))
        sarlab.check_env(env)
        env.close()

    def test_a_float32_action_is_the_same_as_its_value_as_a_float(self):
        env = sarlab.make("LineFollower-v0", process=self.process)
        env.reset(seed=np.int32(2))
        a = env.step(np.array([20.1, 19.7], dtype=np.float32))
        env.reset(seed=2)
        b = env.step([float(np.float32(20.1)), float(np.float32(19.7))])
        self.assertEqual(a[0].tolist(), b[0].tolist())
        env.close()

    def test_numpy_numbers_everywhere_a_number_or_a_list_is(self):
        learner = sarlab.Learner(np.int64(3), layers=np.array([4, 2]), learning_rate=np.float64(0.05),
                                 seed=np.int16(4), process=self.process)
        twin = sarlab.Learner(3, layers=[4, 2], learning_rate=0.05, seed=4, process=self.process)
        inputs = np.array([0.1, 0.5, 0.9], dtype=np.float32)
        for t in range(20):
            y = learner.do_step(inputs * np.float32(t % 3), np.float32(0.1))
            z = twin.do_step([float(v) * float(np.float32(t % 3)) for v in inputs], float(np.float32(0.1)))
            self.assertIsInstance(y, np.ndarray)
            self.assertEqual(y.tolist(), z.tolist())
        learner.do_step(inputs, np.array([0.1, -0.2]))  # one error per output
        learner.set_learning_rate(np.float32(0.5))
        self.assertEqual(learner.get_output(np.int64(1)), float(learner.outputs[1]))
        with self.assertRaisesRegex(sarlab.SarlabError, r"^error: got nan, expected a finite number$"):
            learner.do_step(inputs, np.float32("nan"))
        with self.assertRaisesRegex(sarlab.SarlabError, r"^config\.learningRate: got nan, expected a finite number$"):
            sarlab.Learner(3, learning_rate=np.float64("nan"), process=self.process)

    def test_do_steps_is_do_step_row_by_row(self):
        a = sarlab.Learner(2, layers=[3, 2], rule="backprop", seed=9, process=self.process)
        b = sarlab.Learner(2, layers=[3, 2], rule="backprop", seed=9, process=self.process)
        t = np.arange(100)
        inputs = np.stack([np.sin(t / 5), np.cos(t / 7)], axis=1)
        errors = np.sin(t / 3) * 0.3
        outputs = a.do_steps(inputs, errors)
        self.assertEqual(outputs.shape, (100, 2))
        for row, error, out in zip(inputs, errors, outputs):
            self.assertEqual(b.do_step(row, error).tolist(), out.tolist())
        self.assertEqual(a.network(), b.network())
        with self.assertRaisesRegex(sarlab.SarlabError, r"^errors: got 99 rows, expected 100"):
            a.do_steps(inputs, errors[:99])

    def test_weights_are_numpy_arrays_of_the_model_file(self):
        learner = sarlab.Learner(3, layers=[4, 2], process=self.process)
        weights, biases = learner.weights(), learner.biases()
        self.assertEqual([w.shape for w in weights], [(4, 15), (2, 4)])  # 3 predictors x 5 filters in
        self.assertEqual([b.shape for b in biases], [(4,), (2,)])
        self.assertTrue(all(w.dtype == np.float64 for w in weights))
        self.assertTrue(np.any(weights[0] != 0))
        learner.do_step([0.2, 0.4, 0.6], 0.0)
        learner.do_step([0.2, 0.4, 0.6], 0.5)
        self.assertFalse(np.array_equal(learner.weights()[0], weights[0]))  # it learned


class WithOrWithoutNumpyTest(unittest.TestCase):
    def test_observations_are_numpy_arrays_with_numpy_and_lists_without(self):
        self.assertEqual(sarlab.has_numpy(), np is not None)
        with sarlab.SarlabProcess() as process:
            env = sarlab.LineFollowerEnv(process=process)
            observation, info = env.reset(seed=1)
            learner = sarlab.Learner(env.predictor_count, layers=[2], process=process)
            outputs = learner.do_step(observation, info["error"])
            kind = np.ndarray if np is not None else list
            for value in (observation, info["reflex"], outputs, learner.weights()[0], env.action_space.sample()):
                self.assertIsInstance(value, kind)
            self.assertTrue(env.action_space.contains(env.action_space.sample()))
            self.assertFalse(env.action_space.contains([1000.0, 0.0]))
            self.assertFalse(env.action_space.contains([1.0]))


if __name__ == "__main__":
    unittest.main()


@unittest.skipIf(np is None, "numpy is not installed")
class CurvesInPandasTest(unittest.TestCase):
    def test_the_curves_of_a_4_run_sweep_read_into_pandas(self):
        try:
            import pandas as pd
        except ImportError:
            self.skipTest("pandas is not installed")
        import os
        import shutil
        import subprocess
        import tempfile

        folder = tempfile.mkdtemp(prefix="sarlab-curves-")
        try:
            command = sarlab.default_command()
            sweep = subprocess.run(command + ["sweep", "--rules", "sar,backprop", "--seeds", "1,2", "--steps", "2000",
                                              "--workers", "1", "--no-progress", "--out", os.path.join(folder, "sweep")],
                                   capture_output=True, text=True, timeout=300)
            self.assertEqual(sweep.returncode, 0, sweep.stderr)
            csv = os.path.join(folder, "curves.csv")
            export = subprocess.run(command + ["export", os.path.join(folder, "sweep"), "--curves", "--out", csv],
                                    capture_output=True, text=True, timeout=300)
            self.assertEqual(export.returncode, 0, export.stderr)
            curves = pd.read_csv(csv)
            self.assertTrue({"key", "step", "errorEma", "relativeErrorEma", "config.rule", "config.seed"} <= set(curves.columns))
            self.assertEqual(curves["key"].nunique(), 4)
            self.assertTrue(pd.api.types.is_integer_dtype(curves["step"]))
            self.assertTrue(pd.api.types.is_float_dtype(curves["errorEma"]))
            medians = curves.groupby(["config.rule", "step"])["relativeErrorEma"].median()
            self.assertEqual(set(medians.index.get_level_values(0)), {"sar", "backprop"})
            self.assertTrue(np.all(np.isfinite(medians.to_numpy())))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
