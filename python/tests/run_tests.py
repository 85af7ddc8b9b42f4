"""Runs the Python tests and prints one JSON object: every test's outcome, for test/python.test.ts.

    python run_tests.py [--no-numpy]

--no-numpy makes `import numpy` fail, as it does where numpy is not installed, so that the
plain-list path is tested on a machine that has numpy.
"""

import json
import os
import sys
import unittest

if "--no-numpy" in sys.argv:
    sys.modules["numpy"] = None  # `import numpy` now raises ImportError

HERE = os.path.dirname(os.path.abspath(__file__))


class Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes[test.id()] = "ok"

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[test.id()] = "skipped: " + reason

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test.id()] = "failed"

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes[test.id()] = "error"


def main():
    import sarlab  # noqa: F401 - the package under test: the installed one when run from a venv

    suite = unittest.defaultTestLoader.discover(HERE, top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Recorder)
    result = runner.run(suite)
    print(json.dumps({
        "ran": result.testsRun,
        "sarlab": sys.modules["sarlab"].__file__,
        "outcomes": result.outcomes,
    }))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
