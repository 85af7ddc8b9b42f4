import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sarlab, tempDir } from './cliHelpers.js';

/**
 * Every kind of bad input must end with exit code 2 and one line on stderr naming the problem, with
 * no stack trace, and must leave no partial output behind.
 */
const dir = tempDir('sarlab-bad-');
const f = (name: string) => join(dir, name);

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  image.data.fill(255);
  return PNG.sync.write(image);
}

beforeAll(() => {
  writeFileSync(f('text.png'), 'this is not an image\n');
  writeFileSync(f('truncated.png'), png(64, 64).subarray(0, 60));
  writeFileSync(f('tiny.png'), png(1, 1));
  writeFileSync(f('blank.png'), png(64, 64)); // no line anywhere
  const huge = Buffer.from(png(16, 16));
  huge.writeUInt32BE(100_000, 16);
  huge.writeUInt32BE(100_000, 20);
  writeFileSync(f('huge.png'), huge);
  writeFileSync(f('malformed.json'), '{"rule": "sar",');
  writeFileSync(f('unknown.json'), '{"rule": "sar", "learningRat": 0.1}');
  writeFileSync(f('nested-unknown.json'), '{"network": {"layerz": [3]}}');
  writeFileSync(f('wrong-type.json'), '{"steps": "many"}');
  writeFileSync(f('array.json'), '[1, 2, 3]');
  writeFileSync(f('bad.yaml'), 'rule: [sar\n');
  writeFileSync(f('empty-layers.yaml'), 'network:\n  layers: []\n');
  mkdirSync(f('a-folder'), { recursive: true });
  // Models: a good one to damage, and one for another input size.
  const good = sarlab([
    'run',
    '--steps',
    '200',
    '--no-plot',
    '--save-model',
    f('good.json'),
    '--out',
    f('good-run'),
  ]);
  expect(good.status).toBe(0);
  const text = readFileSync(f('good.json'), 'utf8');
  writeFileSync(f('truncated-model.json'), text.slice(0, Math.floor(text.length / 2)));
  const model = JSON.parse(text);
  model.savedAtStep += 1;
  writeFileSync(f('bad-checksum.json'), `${JSON.stringify(model)}\n`);
  const edited = JSON.parse(text);
  edited.network.layers[0].weights = `${edited.network.layers[0].weights.slice(0, -8)}AAAAAAA=`;
  writeFileSync(f('edited-weights.json'), `${JSON.stringify(edited)}\n`);
  writeFileSync(f('not-a-model.json'), '{"format": "something-else"}');
  const camera = sarlab([
    'run',
    '--steps',
    '200',
    '--no-plot',
    '--inputs',
    'camera',
    '--save-model',
    f('camera.json'),
    '--out',
    f('camera-run'),
  ]);
  expect(camera.status).toBe(0);
}, 120_000);

const cases: [string, string[], RegExp][] = [
  ['unknown flag', ['run', '--bogus'], /unknown option '--bogus'/],
  ['unknown command', ['fly'], /unknown command/],
  ['bad number', ['run', '--learning-rate', 'fast'], /--learning-rate: got "fast"/],
  [
    'negative learning rate',
    ['run', '--learning-rate', '-0.1'],
    /--learning-rate: got "-0.1", expected a number >= 0/,
  ],
  ['non-finite learning rate', ['run', '--learning-rate', 'Infinity'], /--learning-rate/],
  ['empty layer list', ['run', '--layers', ''], /--layers/],
  ['layer of width 0', ['run', '--layers', '10,0,2'], /--layers: got "0"/],
  ['fractional layer width', ['run', '--layers', '10,2.5'], /--layers/],
  ['unknown rule', ['run', '--rule', 'hebb'], /--rule: got "hebb"/],
  ['unknown activation', ['run', '--activation', 'softmax'], /--activation: got "softmax"/],
  ['unknown input kind', ['run', '--inputs', 'lidar'], /--inputs: got "lidar"/],
  ['unknown relevance', ['run', '--relevance', 'joy'], /--relevance: got "joy"/],
  ['fractional seed', ['run', '--seed', '1.5'], /--seed: got "1.5", expected an integer/],
  ['zero steps', ['run', '--steps', '0'], /--steps/],
  ['zero discount', ['run', '--discount', '0'], /--discount/],
  ['unknown track', ['run', '--track', 'nowhere'], /track: got "nowhere"/],
  ['missing track file', ['run', '--track', f('missing.png')], /track: .*ENOENT/],
  ['unreadable track (a folder)', ['run', '--track', `${f('a-folder')}/x.png`], /track/],
  ['a text file named .png', ['run', '--track', f('text.png')], /not a PNG/],
  ['a truncated PNG', ['run', '--track', f('truncated.png')], /damaged PNG|truncated/],
  ['a 1x1 PNG', ['run', '--track', f('tiny.png')], /1x1/],
  ['a huge PNG header', ['run', '--track', f('huge.png')], /100000x100000/],
  ['a PNG with no line', ['run', '--track', f('blank.png')], /no dark pixel/],
  [
    'missing config file',
    ['run', '--config', f('missing.json')],
    /--config: got ".*missing.json", expected an existing file/,
  ],
  ['unreadable config (a folder)', ['run', '--config', f('a-folder')], /--config: .*EISDIR/],
  ['malformed JSON config', ['run', '--config', f('malformed.json')], /valid JSON/],
  ['malformed YAML config', ['run', '--config', f('bad.yaml')], /valid YAML/],
  [
    'config with an unknown key',
    ['run', '--config', f('unknown.json')],
    /unknown\.json\.learningRat: got "an unknown setting"/,
  ],
  ['config with a nested unknown key', ['run', '--config', f('nested-unknown.json')], /network\.layerz/],
  [
    'config with a wrong type',
    ['run', '--config', f('wrong-type.json')],
    /steps: got "many", expected a number/,
  ],
  ['config that is not an object', ['run', '--config', f('array.json')], /one object of settings/],
  ['config with empty layers', ['run', '--config', f('empty-layers.yaml')], /network\.layers: got \[\]/],
  ['missing model', ['run', '--load-model', f('missing-model.json')], /--load-model: .*ENOENT/],
  ['truncated model', ['run', '--load-model', f('truncated-model.json')], /truncated or damaged/],
  ['model with a bad checksum', ['run', '--load-model', f('bad-checksum.json')], /checksum/],
  ['model with edited weights', ['run', '--load-model', f('edited-weights.json')], /checksum/],
  ['not a model file', ['run', '--load-model', f('not-a-model.json')], /sarlab model file/],
  [
    'model for another input kind',
    ['run', '--load-model', f('camera.json'), '--inputs', 'rows'],
    /--load-model world\.inputs: got "rows", expected "camera" as in the model/,
  ],
  ['model for the reflex', ['run', '--rule', 'reflex', '--load-model', f('good.json')], /--load-model/],
  ['shard beyond the count', ['sweep', '--shard', '4/3'], /--shard: got "4\/3"/],
  ['shard zero', ['sweep', '--shard', '0/3'], /--shard/],
  ['shard that is not I/N', ['sweep', '--shard', 'a/b'], /--shard/],
  ['log range with a non-positive end', ['sweep', '--learning-rates', 'log:1:0:3'], /--learning-rates/],
  ['log range with no points', ['sweep', '--learning-rates', 'log:0.1:1:0'], /--learning-rates/],
  ['seed range backwards', ['sweep', '--seeds', '5..1'], /--seeds: got "5..1"/],
  ['unknown rule in a sweep', ['sweep', '--rules', 'sar,hebb'], /--rules: got "hebb"/],
  ['depth zero', ['sweep', '--depths', '0'], /--depths/],
  ['zero workers', ['sweep', '--workers', '0'], /--workers/],
  ['sweep config with an unknown key', ['sweep', '--config', f('unknown.json')], /learningRat/],
  ['merge of folders that are not sweeps', ['merge', f('nope-1'), f('nope-2')], /not a sweep folder/],
  ['report on a folder that is not a sweep', ['report', f('nope-3')], /not a sweep folder/],
  ['serve on a bad port', ['serve', '--port', '70000'], /--port/],
];

describe('bad input on the command line', () => {
  it('covers at least 30 kinds', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const [name, args, message] of cases) {
    it(`refuses ${name}`, () => {
      const out = f(`out-${name.replace(/\W+/g, '-')}`);
      const result = sarlab([...args, ...(args[0] === 'serve' ? [] : ['--out', out])]);
      expect(result.status, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines.length, result.stderr).toBe(1);
      expect(lines[0]).toMatch(/^sarlab: /);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(result.stdout).toBe('');
      expect(existsSync(out)).toBe(false); // nothing partial
    });
  }

  it('shows the stack trace with --debug', () => {
    const result = sarlab(['run', '--debug', '--rule', 'hebb', '--out', f('debug-out')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
