"""The client's robustness: timeouts, a chatty stderr, interrupts, garbage answers, refused NaN,
a clear message when the process ends or sarlab is missing (against a misbehaving stand-in and
the real server)."""

import math
import os
import signal
import sys
import tempfile
import threading
import unittest
from unittest import mock

import sarlab
from sarlab import _process

HERE = os.path.dirname(os.path.abspath(__file__))


def fake(mode, **kwargs):
    return sarlab.SarlabProcess(command=[sys.executable, os.path.join(HERE, "fake_sarlab.py"), mode], **kwargs)


class FakeServerTest(unittest.TestCase):
    def test_a_call_that_gets_no_answer_times_out_and_stops_the_process(self):
        with fake("plain") as process:
            with self.assertRaisesRegex(sarlab.SarlabError, r"^sarlab did not answer 'hang' within 0\.2 s: the process was stopped"):
                process.call("hang", timeout=0.2)
            self.assertFalse(process.alive)
            with self.assertRaisesRegex(sarlab.SarlabError, r"^the sarlab process was stopped: it did not answer 'hang'"):
                process.call("echo", value=1)

    def test_a_megabyte_on_stderr_does_not_block_the_answers(self):
        with fake("noisy", timeout=30) as process:  # without a reader of stderr, hello would never come
            self.assertEqual(process.call("echo", value=7), {"value": 7})
            self.assertEqual(process.stderr_tail(1), ["x" * 1023])

    def test_an_interrupted_call_leaves_no_answer_behind(self):
        folder = tempfile.mkdtemp()
        fifo = os.path.join(folder, "signal")
        os.mkfifo(fifo)
        with mock.patch.dict(os.environ, {"FAKE_SIGNAL": fifo}), fake("plain") as process:
            def interrupt_when_the_request_is_in():
                with open(fifo, "rb") as f:
                    f.read(1)
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered to the main thread

            interrupter = threading.Thread(target=interrupt_when_the_request_is_in)
            interrupter.start()
            with self.assertRaises(KeyboardInterrupt):
                process.call("block")
            interrupter.join()
            # The blocked call's answer comes now, before this one's: it must be dropped.
            for value in range(5):
                self.assertEqual(process.call("echo", value=value), {"value": value})
        os.unlink(fifo)
        os.rmdir(folder)

    def test_a_request_cut_short_by_an_interrupt_does_not_swallow_the_next(self):
        with fake("plain", timeout=30) as process:
            stdin = process._child.stdin

            class HalfThenInterrupt:
                """Writes half of what it is given, then Ctrl-C arrives."""

                def write(self, data):
                    stdin.write(bytes(data[: len(data) // 2]))
                    raise KeyboardInterrupt

            process._child.stdin = HalfThenInterrupt()
            with self.assertRaises(KeyboardInterrupt):
                process.call("echo", value="cut")
            process._child.stdin = stdin
            # The half line is ended before this request (the server answers it with an error and no id).
            self.assertEqual(process.call("echo", value="whole"), {"value": "whole"})

    def test_a_command_that_cannot_start_says_so_in_one_line(self):
        with self.assertRaisesRegex(sarlab.SarlabError, r"^cannot start sarlab \(/nonexistent/node: No such file or "
                                                        r"directory\): sarlab not found: install"):
            sarlab.SarlabProcess(command=["/nonexistent/node"])

    def test_a_line_that_is_not_a_json_object_is_a_sarlab_error(self):
        with fake("plain") as process:
            with self.assertRaisesRegex(sarlab.SarlabError, r"^sarlab answered 'garbage' with a line that is not JSON: 'Debugger listening"):
                process.call("garbage")
            with self.assertRaisesRegex(sarlab.SarlabError, r"^sarlab answered 'nonobject' with a line that is not a JSON object: '\[1, 2\]'$"):
                process.call("nonobject")
            self.assertEqual(process.call("echo", value="still here"), {"value": "still here"})

    def test_a_process_that_dies_says_why_in_one_line_of_text(self):
        with self.assertRaises(sarlab.SarlabError) as caught:
            fake("crash")
        message = str(caught.exception)
        self.assertEqual(message, "the sarlab process has ended (exit code 1): Error [ERR_MODULE_NOT_FOUND]: "
                                  "Cannot find module '/somewhere/dist/src/cli/main.js'")

    def test_no_sarlab_found_says_how_to_get_it_and_asks_no_registry(self):
        environ = {k: v for k, v in os.environ.items() if k != "SARLAB_COMMAND"}
        with mock.patch.dict(os.environ, environ, clear=True), \
                mock.patch.object(_process.os.path, "isfile", return_value=False), \
                mock.patch.object(_process.shutil, "which", return_value=None), \
                mock.patch.object(_process.subprocess, "Popen") as popen:
            with self.assertRaises(sarlab.SarlabError) as caught:
                sarlab.SarlabProcess()
            popen.assert_not_called()
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        self.assertNotIn("npx", message)
        self.assertRegex(message, r"^sarlab not found: install Node 20\+ and then sarlab \(npm install -g sarlab\), "
                                  r"or set SARLAB_COMMAND")

    def test_sarlab_command_is_split_as_a_shell_would(self):
        with mock.patch.dict(os.environ, {"SARLAB_COMMAND": "node '/a folder/bin/sarlab.js'"}):
            self.assertEqual(sarlab.default_command(), ["node", "/a folder/bin/sarlab.js"])


class RealServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process = sarlab.SarlabProcess()

    @classmethod
    def tearDownClass(cls):
        cls.process.close()

    def test_interrupts_while_waiting_leave_later_answers_in_step(self):
        env = sarlab.LineFollowerEnv(process=self.process)
        expected = [env.reset(seed=s) for s in range(3)]
        for attempt in range(30):
            env.reset(seed=attempt % 3)
            # Ctrl-C while the step's answer is on its way (the answer then arrives late).
            with mock.patch.object(self.process._answers, "get", side_effect=KeyboardInterrupt):
                with self.assertRaises(KeyboardInterrupt):
                    env.step([20.0, 21.0])
            self.assertNotIn("get", vars(self.process._answers))  # the real one again
            observation, info = env.reset(seed=attempt % 3)
            want_observation, want_info = expected[attempt % 3]
            self.assertEqual((info["x"], info["y"], info["theta"]), (want_info["x"], want_info["y"], want_info["theta"]))
            self.assertEqual(list(observation), list(want_observation))
        env.close()

    def test_nan_and_infinity_are_refused_before_sending(self):
        env = sarlab.LineFollowerEnv(process=self.process)
        env.reset(seed=1)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^action\[0\]: got nan, expected a finite number$"):
            env.step([float("nan"), 20.0])
        with self.assertRaisesRegex(sarlab.SarlabError, r"^action\[1\]: got inf, expected a finite number$"):
            env.step([20.0, math.inf])
        learner = sarlab.Learner(env.predictor_count, layers=[3, 2], process=self.process)
        sent = self.process._next
        with self.assertRaisesRegex(sarlab.SarlabError, r"^error: got -inf, expected a finite number$"):
            learner.do_step([0.5] * env.predictor_count, -math.inf)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^error\[1\]: got nan, expected a finite number$"):
            learner.do_step([0.5] * env.predictor_count, [0.1, float("nan")])
        with self.assertRaisesRegex(sarlab.SarlabError, r"^inputs\[2\]: got nan, expected a finite number$"):
            learner.do_step([0.5, 0.5, float("nan")] + [0.5] * (env.predictor_count - 3), 0.1)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^config\.learningRate: got nan, expected a finite number$"):
            sarlab.Learner(3, learning_rate=float("nan"), process=self.process)
        with self.assertRaisesRegex(sarlab.SarlabError, r"^config\.world\.speed: got inf, expected a finite number$"):
            sarlab.LineFollowerEnv({"world": {"speed": math.inf}}, process=self.process)
        self.assertEqual(self.process._next, sent)  # nothing was sent
        # The process is alive and answers at once.
        self.assertTrue(self.process.alive)
        self.assertEqual(len(learner.do_step([0.5] * env.predictor_count, 0.1)), 2)
        learner.close()
        env.close()

    def test_closed_objects_are_freed_and_garbage_collected_ones_too(self):
        env = sarlab.LineFollowerEnv(process=self.process)
        ident = env._id
        env.close()
        with self.assertRaisesRegex(sarlab.SarlabError, r"^env: got %d, expected the id of an open env" % ident):
            self.process.call("reset", env=ident)
        learner = sarlab.Learner(2, layers=[2], process=self.process)
        ident = learner._id
        del learner  # CPython frees it at once; the release goes out with the next call
        self.process.call("hello")
        with self.assertRaisesRegex(sarlab.SarlabError, r"^learner: got %d, expected the id of an open learner" % ident):
            self.process.call("network", learner=ident)


class EndedProcessTest(unittest.TestCase):
    def test_a_killed_process_is_reported_and_the_shared_one_restarts(self):
        process = sarlab.shared_process()
        process._child.kill()
        process._child.wait()
        with self.assertRaisesRegex(sarlab.SarlabError, r"^the sarlab process has ended \(signal 9\): "):
            process.call("hello")
        again = sarlab.shared_process()
        self.assertIsNot(again, process)
        self.assertEqual(again.call("hello")["protocol"], 1)


if __name__ == "__main__":
    unittest.main()
