"""The one exception type of the module."""


class SarlabError(Exception):
    """An error from sarlab or about what was given to it: one line naming the input, the value and
    what was expected (e.g. `config.learningRate: got -1, expected a number >= 0`)."""


SarlabError.__module__ = "sarlab"
