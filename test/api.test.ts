import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it("import('sarlab') resolves from inside the repository to the built package with the public API", () => {
  const script = `
    const m = await import('sarlab');
    const net = new m.Network({ inputs: 5, layers: [4, 3, 2], activation: 'sigmoid', seed: 7 });
    const y = net.forward([0.1, -0.2, 0.3, 0.0, 0.5]);
    const rule = m.sar({ learningRate: 0.01, relevance: m.relevance.absError() });
    rule.learn(net, 0.3);
    const copy = m.Network.fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
    const names = ['backprop', 'feedbackAlignment', 'signSymmetry', 'globalError', 'Simulation', 'parseRunConfig', 'Agent', 'LineFollowerEnvironment'];
    console.log(JSON.stringify({ y: y instanceof Float64Array, outputs: y.length, layers: copy.layers.length, missing: names.filter((n) => !(n in m)) }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: resolve(import.meta.dirname, '..'),
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ y: true, outputs: 2, layers: 3, missing: [] });
});
