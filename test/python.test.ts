// The Python package (python/, standard library only, numpy when installed), as a user gets it:
// installed with pip into a venv made from Debian's /usr/bin/python3 (whose numpy, pandas and
// matplotlib it sees), imported outside the clone with SARLAB_COMMAND set, its tests run with numpy
// and with numpy blocked. Each result is checked against the same run in Node, bit for bit.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './cliHelpers.js';

const root = resolve(import.meta.dirname, '..');
const CI = Boolean(process.env.CI);
const interpreter = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const probe = (code: string) => spawnSync(interpreter, ['-c', code], { encoding: 'utf8' }).status === 0;
const hasPython = probe('import venv, ensurepip, setuptools');
const hasNumpy = hasPython && probe('import numpy');
const hasNotebooks = hasNumpy && probe('import pandas, matplotlib, nbconvert, ipykernel');
// In CI the Python tests must run; elsewhere they skip, saying why.
const skip = !hasPython && !CI;
const skipNumpy = !hasNumpy && !CI;
const skipNotebooks = !hasNotebooks && !CI;
if (skip)
  console.warn(`${interpreter} with venv, ensurepip and setuptools not found: skipping the Python tests`);
else if (skipNumpy)
  console.warn(
    `numpy not importable by ${interpreter}: skipping the Python tests with numpy (apt-get install python3-numpy)`,
  );

if (!skip && !skipNumpy && skipNotebooks)
  console.warn(
    `pandas, matplotlib, nbconvert or ipykernel not importable by ${interpreter}: skipping the notebooks (apt-get install python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel)`,
  );

const notebooks = join(root, 'examples', 'notebooks');
const NOTEBOOKS = ['quick-start.ipynb', 'sweep-analysis.ipynb'];

interface Notebook {
  cells: {
    cell_type: string;
    execution_count?: number | null;
    outputs?: { output_type: string; data?: Record<string, unknown> }[];
  }[];
}

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
let work = '';
let venvPython = '';
let pip: { status: number | null; stderr: string } = { status: null, stderr: 'not run' };

/**
 * The environment of the installed package's Python processes: no bytecode written, nothing from the
 * clone on the path, and the Node side named by SARLAB_COMMAND.
 */
const INSTALLED_ENV = {
  ...process.env,
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONPATH: '',
  SARLAB_COMMAND: `"${process.execPath}" "${join(root, 'bin', 'sarlab.js')}"`,
};

interface SuiteResult {
  ran: number;
  sarlab: string;
  outcomes: Record<string, string>;
}

/** The Python tests, run by the venv's interpreter outside the clone (so only the installed package is importable). */
function runSuite(noNumpy: boolean): SuiteResult {
  const args = [join(root, 'python', 'tests', 'run_tests.py'), ...(noNumpy ? ['--no-numpy'] : [])];
  const result = spawnSync(venvPython, args, {
    cwd: work,
    encoding: 'utf8',
    timeout: 600_000,
    env: INSTALLED_ENV,
  });
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) throw new Error(`the Python tests printed no result:\n${result.stderr}`);
  const parsed = JSON.parse(last) as SuiteResult;
  const bad = Object.entries(parsed.outcomes).filter(
    ([, outcome]) => outcome === 'failed' || outcome === 'error',
  );
  if (bad.length > 0)
    throw new Error(`Python tests failed: ${bad.map(([id]) => id).join(', ')}\n${result.stderr}`);
  expect(result.status).toBe(0);
  return parsed;
}

const idsOf = (r: SuiteResult, outcome: (o: string) => boolean) =>
  Object.entries(r.outcomes)
    .filter(([, o]) => outcome(o))
    .map(([id]) => id);

describe.skipIf(skip)('the Python package', () => {
  beforeAll(() => {
    work = tempDir('sarlab-python-');
    const venv = join(work, 'venv');
    const made = spawnSync(interpreter, ['-m', 'venv', '--system-site-packages', venv], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`python -m venv failed:\n${made.stderr}`);
    venvPython = join(venv, 'bin', 'python');
    // Offline, with the system's setuptools and wheel, as docs/python.md says; from a copy, because
    // setuptools builds in the source folder.
    const source = join(work, 'python');
    cpSync(join(root, 'python'), source, { recursive: true, filter: (f) => !f.includes('__pycache__') });
    pip = spawnSync(
      venvPython,
      ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', '--quiet', source],
      { cwd: work, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
    );
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs offline with pip, and outside the clone `import sarlab` loads the installed, typed package', () => {
    expect(pip.stderr).not.toMatch(/error/i);
    expect(pip.status).toBe(0);
    const shown = spawnSync(
      venvPython,
      [
        '-c',
        'import os, sarlab; d = os.path.dirname(sarlab.__file__); print(d, sarlab.__version__, os.path.exists(os.path.join(d, "py.typed")))',
      ],
      { cwd: work, encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } },
    );
    const [folder, shownVersion, typed] = shown.stdout.trim().split(' ');
    expect(folder.startsWith(join(work, 'venv') + sep)).toBe(true);
    expect(shownVersion).toBe(version); // one version: package.json's, written once in python/sarlab/_version.py
    expect(typed).toBe('True');
  }, 120_000);

  it.skipIf(skipNumpy)(
    'passes every Python test with numpy (2,000-step runs bit-identical to Node)',
    () => {
      const result = runSuite(false);
      expect(result.sarlab.startsWith(join(work, 'venv') + sep)).toBe(true);
      expect(idsOf(result, (o) => o !== 'ok')).toEqual([]); // nothing skipped, nothing failed
      expect(result.ran).toBeGreaterThanOrEqual(30);
      expect(Object.keys(result.outcomes)).toContain(
        'test_sarlab.ClosedLoopTest.test_closed_loop_matches_node_bit_for_bit',
      );
      expect(Object.keys(result.outcomes)).toContain(
        'test_numpy.NumpyTest.test_float32_actions_drive_2000_steps_inside_the_space',
      );
    },
    600_000,
  );

  it('passes every Python test without numpy, on plain lists (the numpy tests skip, saying why)', () => {
    const result = runSuite(true);
    const skipped = idsOf(result, (o) => o.startsWith('skipped'));
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((id) => id.startsWith('test_numpy.'))).toBe(true);
    expect(new Set(skipped.map((id) => result.outcomes[id]))).toEqual(
      new Set(['skipped: numpy is not installed']),
    );
    const passed = idsOf(result, (o) => o === 'ok');
    expect(passed.length + skipped.length).toBe(result.ran);
    expect(passed).toContain(
      'test_numpy.WithOrWithoutNumpyTest.test_observations_are_numpy_arrays_with_numpy_and_lists_without',
    );
    expect(passed).toContain('test_sarlab.ClosedLoopTest.test_closed_loop_matches_node_bit_for_bit');
  }, 600_000);

  it.skipIf(skipNotebooks)(
    'executes both notebooks without error (nbconvert --execute), each showing a figure',
    () => {
      const folder = join(work, 'notebooks');
      mkdirSync(folder);
      for (const name of NOTEBOOKS) copyFileSync(join(notebooks, name), join(folder, name));
      // The notebooks' kernel is the venv's Python (where sarlab is installed), found first on JUPYTER_PATH.
      const kernel = spawnSync(
        venvPython,
        ['-m', 'ipykernel', 'install', '--prefix', join(work, 'venv'), '--name', 'python3'],
        { encoding: 'utf8' },
      );
      expect(kernel.status, kernel.stderr).toBe(0);
      const run = spawnSync(
        venvPython,
        ['-m', 'nbconvert', '--to', 'notebook', '--execute', '--output-dir', 'executed', ...NOTEBOOKS],
        {
          cwd: folder,
          encoding: 'utf8',
          timeout: 600_000,
          env: {
            ...INSTALLED_ENV,
            JUPYTER_PATH: join(work, 'venv', 'share', 'jupyter'),
            PYDEVD_DISABLE_FILE_VALIDATION: '1',
            MPLBACKEND: 'module://matplotlib_inline.backend_inline',
          },
        },
      );
      expect(run.status, run.stderr).toBe(0);
      for (const name of NOTEBOOKS) {
        const executed = JSON.parse(readFileSync(join(folder, 'executed', name), 'utf8')) as Notebook;
        const outputs = executed.cells.flatMap((cell) => cell.outputs ?? []);
        expect(
          outputs.filter((o) => o.output_type === 'error'),
          name,
        ).toEqual([]);
        expect(outputs.filter((o) => o.data && 'image/png' in o.data).length, name).toBeGreaterThanOrEqual(1);
      }
    },
    600_000,
  );
});

it('keeps the notebooks in the repository without outputs', () => {
  for (const name of NOTEBOOKS) {
    const notebook = JSON.parse(readFileSync(join(notebooks, name), 'utf8')) as Notebook;
    const code = notebook.cells.filter((cell) => cell.cell_type === 'code');
    expect(code.length, name).toBeGreaterThan(0);
    for (const cell of code) {
      expect(cell.outputs, name).toEqual([]);
      expect(cell.execution_count, name).toBeNull();
    }
  }
});
