// The Node twin of the Python tests: the same loops with the library called directly, printed as
// JSON for the tests to compare with what they computed through the sarlab process.
import { buildRun, ClosedLoopLearner, parseRunConfig } from '../../dist/src/index.js';
import { resolveConfiguredTrack } from '../../dist/src/node/index.js';

const [mode, stepsText, configText] = process.argv.slice(2);
const steps = Number(stepsText);
const config = parseRunConfig(JSON.parse(configText));
// The learner alone takes 4 raw inputs: a stand-in world that says so (it is never stepped).
const world =
  mode === 'loop'
    ? undefined
    : { predictorCount: 4, dt: 0.05, reset: () => undefined, step: () => undefined };
const parts = buildRun(config, resolveConfiguredTrack(config), undefined, world);
const learner = new ClosedLoopLearner(parts.network, parts.filters, parts.rule);

if (mode === 'loop') {
  // The closed loop of test_sarlab.py: reflex plus network, differential steering.
  const env = parts.environment;
  let { observation } = env.reset(config.seed);
  let sumAbsError = 0;
  let y = [];
  let info = { x: 0, y: 0, theta: 0 };
  for (let t = 0; t < steps; t++) {
    y = Array.from(learner.doStep(observation.predictors, observation.error));
    const u = 5 * observation.error + 10 * (y[0] + y[1]);
    const result = env.step({ left: 20 + u, right: 20 - u });
    observation = result.observation;
    info = result.info;
    sumAbsError += Math.abs(result.error);
  }
  console.log(
    JSON.stringify({
      x: info.x,
      y: info.y,
      theta: info.theta,
      sumAbsError,
      outputs: y,
      network: parts.network.toJSON(),
    }),
  );
} else {
  // The learner alone on a made-up input stream, with one error per output.
  const n = learner.inputCount;
  let y = [];
  for (let t = 0; t < steps; t++) {
    // Triangle waves: exact in any language (sin differs in the last bit between libraries).
    const inputs = Array.from({ length: n }, (_, i) => ((t * (i + 1)) % 97) / 48.5 - 1);
    const errors = [((t * 7) % 31) / 15.5 - 1, 0.5 - ((t * 3) % 17) / 17];
    y = Array.from(learner.doStep(inputs, errors));
  }
  console.log(JSON.stringify({ outputs: y, network: parts.network.toJSON() }));
}
