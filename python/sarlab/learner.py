"""The closed-loop learner alone, called like the authors' FCL library."""

import base64
import struct
import weakref

from ._errors import SarlabError
from ._numeric import finite, finite_list, integer, is_sequence, np, vector
from ._process import shared_process
from .model_file import read_model, write_model


def _float64s(text):
    raw = base64.b64decode(text)
    if np is not None:
        return np.frombuffer(raw, dtype="<f8").astype(np.float64)
    return list(struct.unpack("<%dd" % (len(raw) // 8), raw))


class Learner:
    """A filter array, a deep network and a learning rule (SaR by default), for your own loop.

    Like FCL's `doStep(input, error)`: each `do_step(inputs, error)` first learns from `error`
    with the previous forward pass (the network learns which earlier inputs preceded this
    error), then filters and forwards the new `inputs` and returns the outputs. `error` is one
    number for every output, or one per output. Numbers may be Python or numpy numbers, lists
    or numpy arrays; outputs come back as a float64 numpy array (a list without numpy).

    `predictors` is the number of raw inputs per step; every one goes through the filter array.
    The keyword settings are those of a sarlab run configuration (docs/configuration.md), in
    Python spelling or sarlab's: `layers`, `activation`, `rule` ('sar', 'backprop',
    'feedback-alignment', 'sign-symmetry', 'global-error'), `learning_rate`, `relevance`,
    `filters` (a dict: kind, count, minPeriod, maxPeriod, damping), `seed`, or a whole
    `config` dict.
    """

    def __init__(self, predictors, layers=None, rule=None, learning_rate=None, activation=None,
                 relevance=None, filters=None, seed=None, config=None, process=None, _network=None):
        config = dict(config or {})
        network = dict(config.get("network", {}))
        if layers is not None:
            network["layers"] = [integer(n, "layers[%d]" % i) for i, n in enumerate(layers)]
        if activation is not None:
            network["activation"] = activation
        if network:
            config["network"] = network
        for key, value in (("rule", rule), ("learningRate", learning_rate), ("relevance", relevance),
                           ("filters", filters), ("seed", seed)):
            if value is not None:
                config[key] = value
        self._process = process or shared_process()
        fields = {"predictors": integer(predictors, "predictors"), "config": config}
        if _network is not None:
            fields["network"] = _network
        made = self._process.call("make_learner", **fields)
        self._id = made["learner"]
        self._release = weakref.finalize(self, self._process.release, "learner", self._id)
        #: The resolved configuration (every default filled in).
        self.config = made["config"]
        #: Raw inputs per step (before the filter array).
        self.input_count = made["inputs"]
        #: Network outputs.
        self.output_count = made["outputs"]
        self.outputs = vector([0.0] * self.output_count)
        #: Whether the last step learned (the first step has no earlier forward pass).
        self.learned = False
        #: Steps taken (`do_step` calls, counted on from the saved step for a loaded model).
        self.steps = 0

    def do_step(self, inputs, error, cue=None):
        """Learns from `error`, then forwards `inputs`; returns the outputs."""
        fields = {"inputs": finite_list(inputs, "inputs")}
        fields["error"] = finite_list(error, "error") if is_sequence(error) else finite(error, "error")
        if cue is not None:
            fields["cue"] = finite(cue, "cue")
        answer = self._call("do_step", **fields)
        self.outputs = vector(answer["outputs"])
        self.learned = answer["learned"]
        self.steps += 1
        return self.outputs

    # FCL's spelling.
    doStep = do_step

    def do_steps(self, inputs, errors, cues=None):
        """Open-loop data in one call: `inputs` [T, predictors], `errors` [T] or [T, outputs]
        (and `cues` [T]); one `do_step` per row, in order. Returns the outputs [T, outputs]."""
        rows = inputs.tolist() if np is not None and isinstance(inputs, np.ndarray) else list(inputs)
        errs = errors.tolist() if np is not None and isinstance(errors, np.ndarray) else list(errors)
        if len(errs) != len(rows):
            raise SarlabError("errors: got %d rows, expected %d (one per row of inputs)" % (len(errs), len(rows)))
        if cues is not None and len(cues) != len(rows):
            raise SarlabError("cues: got %d values, expected %d (one per row of inputs)" % (len(cues), len(rows)))
        outputs = []
        for t, row in enumerate(rows):
            outputs.append(list(self.do_step(row, errs[t], None if cues is None else cues[t])))
        if np is not None:
            return np.asarray(outputs, dtype=np.float64).reshape(len(rows), self.output_count)
        return outputs

    def get_output(self, index):
        """Output `index` of the last step (FCL: getOutput)."""
        return float(self.outputs[index])

    getOutput = get_output

    def set_learning_rate(self, rate):
        """Changes the base learning rate from the next step on (FCL: setLearningRate)."""
        self._call("set_learning_rate", learning_rate=finite(rate, "learning_rate"))

    setLearningRate = set_learning_rate

    def reset(self):
        """Forgets the filter state and the last forward pass (e.g. after the robot was put back)."""
        self._call("reset_learner")

    def network(self):
        """The network as sarlab saves it (weights base64-encoded float64, bit-exact): docs/model-file.md."""
        return self._call("network")["network"]

    def weights(self):
        """The weights, one matrix per layer (input side first), [outputs, inputs]: numpy arrays with numpy."""
        layers = self.network()["layers"]
        result = []
        for layer in layers:
            w = _float64s(layer["weights"])
            if np is not None:
                result.append(w.reshape(layer["outputs"], layer["inputs"]))
            else:
                n = layer["inputs"]
                result.append([w[j * n:(j + 1) * n] for j in range(layer["outputs"])])
        return result

    def biases(self):
        """The biases, one vector per layer (zeros in a layer without biases)."""
        return [_float64s(layer["biases"]) for layer in self.network()["layers"]]

    def save(self, path):
        """Saves the network and its configuration as a sarlab model file (docs/model-file.md), the
        same bytes as `sarlab run --save-model`: `sarlab run --load-model` reads it, and so does `load`."""
        write_model(path, self.config, self.network(), self.steps)

    @classmethod
    def load(cls, path, process=None):
        """A learner with the network of a model file (from `save` or `sarlab run --save-model`), its
        filter state fresh, as `sarlab run --load-model` starts. It goes on learning unless
        `set_learning_rate(0)`."""
        config, network, saved_at_step = read_model(path)
        count = config.get("filters", {}).get("count")
        inputs = network.get("inputs")
        if not isinstance(count, int) or not isinstance(inputs, int) or count < 1 or inputs % count:
            raise SarlabError("model file %s: network inputs %r do not fit filters.count %r" % (path, inputs, count))
        learner = cls(inputs // count, config=config, process=process, _network=network)
        if learner.network() != network:
            learner.close()
            raise SarlabError("this sarlab (%s) cannot load a network into a learner: its stdio server ignores "
                              "make_learner's `network` field; update sarlab" % learner._process.version)
        learner.steps = saved_at_step
        return learner

    def _call(self, op, **fields):
        if self._id is None:
            raise SarlabError("this learner was closed")
        return self._process.call(op, learner=self._id, **fields)

    def close(self):
        """Frees the learner in the sarlab process (also done when it is garbage-collected)."""
        if self._id is not None:
            self._release.detach()
            try:
                self._process.call("close", learner=self._id)
            except Exception:  # noqa: BLE001 - the process may be gone already
                pass
            self._id = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
