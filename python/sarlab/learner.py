"""The closed-loop learner alone, called like the authors' FCL library."""

from ._process import shared_process


class Learner:
    """A filter array, a deep network and a learning rule (SaR by default), for your own loop.

    Like FCL's `doStep(input, error)`: each `do_step(inputs, error)` first learns from `error`
    with the previous forward pass (the network learns which earlier inputs preceded this
    error), then filters and forwards the new `inputs` and returns the outputs (a list).
    `error` is one number for every output, or one per output.

    `predictors` is the number of raw inputs per step; every one goes through the filter array.
    The keyword settings are those of a sarlab run configuration (docs/configuration.md), in
    Python spelling or sarlab's: `layers`, `activation`, `rule` ('sar', 'backprop',
    'feedback-alignment', 'sign-symmetry', 'global-error'), `learning_rate`, `relevance`,
    `filters` (a dict: kind, count, minPeriod, maxPeriod, damping), `seed`, or a whole
    `config` dict.
    """

    def __init__(self, predictors, layers=None, rule=None, learning_rate=None, activation=None,
                 relevance=None, filters=None, seed=None, config=None, process=None):
        config = dict(config or {})
        network = dict(config.get("network", {}))
        if layers is not None:
            network["layers"] = list(layers)
        if activation is not None:
            network["activation"] = activation
        if network:
            config["network"] = network
        for key, value in (("rule", rule), ("learningRate", learning_rate), ("relevance", relevance),
                           ("filters", filters), ("seed", seed)):
            if value is not None:
                config[key] = value
        self._process = process or shared_process()
        made = self._process.call("make_learner", predictors=int(predictors), config=config)
        self._id = made["learner"]
        self.config = made["config"]
        #: Raw inputs per step (before the filter array).
        self.input_count = made["inputs"]
        #: Network outputs.
        self.output_count = made["outputs"]
        self.outputs = [0.0] * self.output_count
        #: Whether the last step learned (the first step has no earlier forward pass).
        self.learned = False

    def do_step(self, inputs, error, cue=None):
        """Learns from `error`, then forwards `inputs`; returns the outputs (a list of floats)."""
        fields = {"learner": self._id, "inputs": [float(x) for x in inputs]}
        fields["error"] = float(error) if isinstance(error, (int, float)) else [float(x) for x in error]
        if cue is not None:
            fields["cue"] = float(cue)
        answer = self._process.call("do_step", **fields)
        self.outputs = answer["outputs"]
        self.learned = answer["learned"]
        return self.outputs

    # FCL's spelling.
    doStep = do_step

    def get_output(self, index):
        """Output `index` of the last step (FCL: getOutput)."""
        return self.outputs[index]

    getOutput = get_output

    def set_learning_rate(self, rate):
        """Changes the base learning rate from the next step on (FCL: setLearningRate)."""
        self._process.call("set_learning_rate", learner=self._id, learning_rate=float(rate))

    setLearningRate = set_learning_rate

    def reset(self):
        """Forgets the filter state and the last forward pass (e.g. after the robot was put back)."""
        self._process.call("reset_learner", learner=self._id)

    def network(self):
        """The network as sarlab saves it (weights base64-encoded float64, bit-exact)."""
        return self._process.call("network", learner=self._id)["network"]

    def close(self):
        """Releases the learner in the sarlab process."""
        if self._id is not None:
            try:
                self._process.call("close", learner=self._id)
            except Exception:  # noqa: BLE001
                pass
            self._id = None
