"""Model files: what the Learner saves is what `sarlab run --save-model` writes, byte for byte, and
either loads in the other."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import sarlab

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_CONFIG = {"seed": 3, "rule": "sar", "learningRate": 0.05, "network": {"layers": [6, 2]}}


def sarlab_cli(*args):
    """Runs the same sarlab the module talks to (SARLAB_COMMAND or the clone's)."""
    return subprocess.run(sarlab.default_command() + list(args), capture_output=True, text=True, timeout=300)


def inputs_at(t, n):
    # Triangle waves: exact in any language.
    return [((t * (i + 1)) % 97) / 48.5 - 1 for i in range(n)]


class ModelFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process = sarlab.SarlabProcess()
        cls.folder = tempfile.mkdtemp(prefix="sarlab-model-")

    @classmethod
    def tearDownClass(cls):
        cls.process.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.folder, name)

    def test_a_reloaded_learner_answers_bit_identically(self):
        learner = sarlab.Learner(4, config=RUN_CONFIG, process=self.process)
        for t in range(300):
            learner.do_step(inputs_at(t, 4), [((t * 7) % 31) / 15.5 - 1, 0.25])
        learner.save(self.path("trained.json"))
        loaded = sarlab.Learner.load(self.path("trained.json"), process=self.process)
        self.assertEqual(loaded.network(), learner.network())
        self.assertEqual(loaded.steps, 300)
        self.assertEqual((loaded.input_count, loaded.output_count), (4, 2))
        learner.reset()  # the same starting point as a loaded model: no filter state, no last pass
        for t in range(300, 600):
            error = [((t * 7) % 31) / 15.5 - 1, 0.25]
            self.assertEqual(list(loaded.do_step(inputs_at(t, 4), error)), list(learner.do_step(inputs_at(t, 4), error)))
        self.assertEqual(loaded.network(), learner.network())  # it went on learning the same way
        loaded.save(self.path("again.json"))
        learner.save(self.path("original.json"))
        with open(self.path("again.json"), "rb") as a, open(self.path("original.json"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_a_node_model_loads_and_saves_back_to_the_same_bytes(self):
        out = self.path("node-run")
        result = sarlab_cli("run", "--steps", "400", "--seed", "3", "--layers", "6,2", "--learning-rate", "0.05",
                            "--out", out, "--save-model", self.path("node.json"), "--no-plot")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.path("node.json"), "rb") as f:
            node_bytes = f.read()
        learner = sarlab.Learner.load(self.path("node.json"), process=self.process)
        self.assertEqual(learner.network(), json.loads(node_bytes)["network"])  # every weight, bit for bit
        self.assertEqual(learner.steps, json.loads(node_bytes)["savedAtStep"])
        learner.save(self.path("python.json"))
        with open(self.path("python.json"), "rb") as f:
            self.assertEqual(f.read(), node_bytes)

    def test_a_python_model_drives_sarlab_run(self):
        env = sarlab.LineFollowerEnv(RUN_CONFIG, process=self.process)
        learner = sarlab.Learner(env.predictor_count, config=RUN_CONFIG, process=self.process)
        observation, info = env.reset(seed=3)
        for _ in range(200):
            y = learner.do_step(observation, info["error"])
            u = 5 * info["error"] + 5 * (y[0] + y[1])
            observation, reward, terminated, truncated, info = env.step([20 + u, 20 - u])
        learner.save(self.path("from-python.json"))
        out = self.path("python-run")
        result = sarlab_cli("run", "--steps", "50", "--load-model", self.path("from-python.json"), "--out", out,
                            "--no-plot", "--learning-rate", "0", "--save-model", self.path("frozen.json"))
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.path("frozen.json")) as f:
            frozen = json.load(f)
        self.assertEqual(frozen["network"], learner.network())  # learning rate 0: the weights came through unchanged
        env.close()

    def test_damaged_files_are_refused_naming_the_file(self):
        learner = sarlab.Learner(2, layers=[2], process=self.process)
        learner.save(self.path("good.json"))
        with open(self.path("good.json")) as f:
            text = f.read()
        with open(self.path("edited.json"), "w") as f:
            f.write(text.replace('"savedAtStep":0', '"savedAtStep": 0'))
        with self.assertRaisesRegex(sarlab.SarlabError, r"^model file .*edited\.json: not exactly as sarlab wrote it"):
            sarlab.Learner.load(self.path("edited.json"), process=self.process)
        with open(self.path("checksum.json"), "w") as f:
            f.write(text.replace('"savedAtStep":0', '"savedAtStep":1'))
        with self.assertRaisesRegex(sarlab.SarlabError, r"^model file .*checksum\.json: the checksum does not match"):
            sarlab.Learner.load(self.path("checksum.json"), process=self.process)
        with open(self.path("cut.json"), "w") as f:
            f.write(text[:100])
        with self.assertRaisesRegex(sarlab.SarlabError, r"^model file .*cut\.json: not valid JSON"):
            sarlab.Learner.load(self.path("cut.json"), process=self.process)
        # sarlab itself refuses what Python refuses, and accepts the good file.
        self.assertEqual(sarlab_cli("run", "--load-model", self.path("checksum.json"), "--steps", "1",
                                    "--out", self.path("x"), "--no-plot").returncode, 2)

    def test_js_number_writes_numbers_as_javascript_does(self):
        from sarlab.model_file import js_json

        numbers = [0, -0.0, 0.1, 1e-7, 1.5e-7, 1e21, 1e20, 1e16, 5e-324, 1.7976931348623157e308, 0.000001, 2.0, -3.25]
        script = "console.log(JSON.stringify(%s))" % json.dumps(numbers)
        node = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(js_json(numbers), node)
        # Strings too: quotes, control characters, non-ASCII as they are.
        text = 'a "quote" \\ tab\t nl\n \x01 é ☃'
        node = subprocess.run(["node", "-e", "console.log(JSON.stringify(%s))" % json.dumps(text)],
                              capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(js_json(text), node)


if __name__ == "__main__":
    unittest.main()
