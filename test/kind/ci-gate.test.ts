/**
 * The CI gate workflow, validated against the GitHub workflow schema by action-validator (the
 * SchemaStore schema plus its glob checks, from npm); a broken copy is rejected, so the check
 * can fail. It runs the gate drill on kind from the changed config, publishes JUnit and the
 * Markdown summary, uploads reports/, and every command it runs is the one docs/real-clusters.md
 * documents.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import t from 'tap';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const file = path.join(PROJECT_ROOT, '.github/workflows/ha-gate.yml');
const src = fs.readFileSync(file, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

t.test('the workflow is valid by the GitHub workflow schema', async (t) => {
  const state = validateWorkflow(src);
  t.same(state.errors, [], 'no schema errors');
  const broken = src
    .replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest]\n    stepz: 3')
    .replace('uses: actions/checkout@v4', 'uses: 42');
  t.ok(validateWorkflow(broken).errors.length > 0, 'a broken copy is rejected');
  t.ok(
    validateWorkflow('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: [1]\n')
      .errors.length > 0,
  );
});

t.test('what the gate does', async (t) => {
  const wf = YAML.parse(src) as {
    on: { pull_request: { paths: string[] } };
    jobs: Record<string, { steps: Step[] }>;
  };
  t.ok(wf.on.pull_request.paths.includes('kind-configs/**'), 'runs on kind config changes');
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  t.match(runs, /npm run drill -- all --target kind .*--create "\$KIND_CONFIG" --gate/);
  t.match(runs, /report\.md >> "\$GITHUB_STEP_SUMMARY"/, 'Markdown report to the job summary');
  const junit = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
  t.match(junit?.with?.report_paths, /junit\.xml/, 'JUnit published');
  t.equal(junit?.if, 'always()');
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
  t.equal(upload?.with?.path, 'reports/', 'reports uploaded');
});

t.test('its commands are the ones the docs give', async (t) => {
  const docs = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/real-clusters.md'), 'utf8');
  const wf = YAML.parse(src) as { jobs: Record<string, { steps: Step[] }> };
  const documented = [
    'Install dependencies',
    'Drill every scenario (gate)',
    'Markdown report to the job summary',
    'Delete the cluster if a crashed drill left it',
  ];
  for (const name of documented) {
    const step = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.name === name);
    t.ok(step?.run, `step '${name}' runs a command`);
    t.ok(docs.includes(step!.run!.trim()), `docs show: ${step!.run!.trim()}`);
  }
});
