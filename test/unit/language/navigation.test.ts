import { strict as assert } from 'node:assert';
import {
  analyzeScenario,
  definitionsAt,
  foldingRegions,
  outlineOf,
  prepareRename,
  quickFixes,
  referencesAt,
  relatedPlaces,
  renameAt,
  testScenario,
  usableSuggestion,
  type OutlineSymbol,
} from '../../../extension/lab/language-service';
import { at, applyEdits, examples } from './helpers';

const SCENARIO = `world default

program pinger
  set n = 0
again:
  set n = n + 1
  print n
  if n < 5 goto again
  exit 0
end

program other
again:
  set n = 1
  goto again
end

spawn pinger as hallyn container box -> first
spawn pinger as root in box -> second
run first until again
expect var first n 1
freeze box
checkpoint box as root to /tmp/box.crimg
restart /tmp/box.crimg as root -> first_again
expect task first_again euid 0
expect task pinger uid root
`;

describe('language service: definition, references, rename', () => {
  const analysis = analyzeScenario(SCENARIO);

  it('has a scenario without mistakes', () => {
    assert.deepEqual(analysis.diagnostics, []);
  });

  it('finds the definition of a task, a container, a program, a label, a variable', () => {
    const def = (needle: string, nth = 0, offset = 0) => {
      const { line, column } = at(SCENARIO, needle, nth, offset);
      return definitionsAt(analysis, line, column);
    };
    assert.deepEqual(def('run first', 0, 4), [{ ...at(SCENARIO, '-> first', 0, 3), length: 5 }]);
    assert.deepEqual(def('in box', 0, 3), [{ ...at(SCENARIO, 'container box', 0, 10), length: 3 }]);
    assert.deepEqual(def('spawn pinger', 0, 6), [
      { ...at(SCENARIO, 'program pinger', 0, 8), length: 6 },
    ]);
    // In a program, its own label; from the script, every program's label of that name.
    assert.deepEqual(def('goto again', 0, 8), [{ ...at(SCENARIO, 'again:', 0), length: 5 }]);
    assert.deepEqual(def('goto again', 1, 5), [{ ...at(SCENARIO, 'again:', 1), length: 5 }]);
    assert.equal(def('until again', 0, 6).length, 2);
    // A variable's definition is its first assignment in the program.
    assert.deepEqual(def('n < 5', 0), [{ ...at(SCENARIO, 'set n', 0, 4), length: 1 }]);
    // The image a restart reads: the checkpoint that writes it.
    assert.deepEqual(def('restart /tmp/box.crimg', 0, 8), [
      { ...at(SCENARIO, 'to /tmp/box.crimg', 0, 3), length: '/tmp/box.crimg'.length },
    ]);
    // A task named by its command is the program.
    assert.deepEqual(def('task pinger', 0, 5), [
      { ...at(SCENARIO, 'program pinger', 0, 8), length: 6 },
    ]);
  });

  it('finds references, with or without the definition', () => {
    const { line, column } = at(SCENARIO, 'first n', 0);
    const all = referencesAt(analysis, line, column, true);
    assert.deepEqual(
      all.map((r) => r.line),
      [18, 20, 21],
    );
    assert.deepEqual(
      referencesAt(analysis, line, column, false).map((r) => r.line),
      [20, 21],
    );
    const variable = at(SCENARIO, 'print n', 0, 6);
    assert.deepEqual(
      referencesAt(analysis, variable.line, variable.column).map((r) => r.line),
      [4, 6, 6, 7, 8, 21],
      "pinger's n, and the script's `expect var`; not other's n",
    );
  });

  it('renames a task everywhere, leaving the scenario as it was', () => {
    const { line, column } = at(SCENARIO, 'run first', 0, 4);
    const result = renameAt(analysis, line, column, 'leader');
    assert.ok(result.ok);
    const renamed = applyEdits(SCENARIO, result.edits);
    assert.ok(!/\bfirst\b/.test(renamed.replace(/first_again/g, '')));
    assert.deepEqual(analyzeScenario(renamed).diagnostics, []);
    assert.equal(testScenario(renamed).passed, testScenario(SCENARIO).passed);
  });

  it('renames a program with the tasks that name it by command', () => {
    const { line, column } = at(SCENARIO, 'program pinger', 0, 8);
    const result = renameAt(analysis, line, column, 'beeper');
    assert.ok(result.ok);
    const renamed = applyEdits(SCENARIO, result.edits);
    assert.equal((renamed.match(/beeper/g) ?? []).length, 4);
    assert.deepEqual(analyzeScenario(renamed).diagnostics, []);
  });

  it('renames a label within its program only, leaving a script use another program shares', () => {
    const { line, column } = at(SCENARIO, 'goto again', 0, 5);
    const result = renameAt(analysis, line, column, 'loop');
    assert.ok(result.ok);
    assert.deepEqual(
      result.edits.map((e) => e.line),
      [5, 8],
    );
  });

  it('refuses what cannot be renamed, saying why', () => {
    const refuse = (needle: string, name: string, nth = 0, offset = 0): string => {
      const { line, column } = at(SCENARIO, needle, nth, offset);
      const result = renameAt(analysis, line, column, name);
      assert.ok(!result.ok, `${needle} -> ${name}`);
      return result.reason;
    };
    assert.match(refuse('hallyn', 'x'), /only programs, tasks, labels and variables/);
    assert.match(refuse('run first', 'second', 0, 4), /already names a task/);
    assert.match(refuse('run first', 'spawn', 0, 4), /is a keyword/);
    assert.match(refuse('run first', '9lives', 0, 4), /is not a name/);
    const passwd = 'program passwd\n  exit 0\nend\nspawn passwd as root -> p\n';
    const check = prepareRename(analyzeScenario(passwd), 1, 10);
    assert.ok(!check.ok && /replaces the default world's program/.test(check.reason));
    const builtin = 'spawn counter as root -> c\n';
    const notHere = prepareRename(analyzeScenario(builtin), 1, 8);
    assert.ok(!notHere.ok && /not defined in this scenario/.test(notHere.reason));
  });
});

describe('language service: outline and folding', () => {
  const inside = (outer: OutlineSymbol['range'], inner: OutlineSymbol['range']): boolean =>
    (inner.startLine > outer.startLine ||
      (inner.startLine === outer.startLine && inner.startColumn >= outer.startColumn)) &&
    (inner.endLine < outer.endLine ||
      (inner.endLine === outer.endLine && inner.endColumn <= outer.endColumn));
  const check = (symbol: OutlineSymbol): void => {
    const selection = {
      startLine: symbol.selection.line,
      startColumn: symbol.selection.column,
      endLine: symbol.selection.line,
      endColumn: symbol.selection.column + symbol.selection.length,
    };
    assert.ok(inside(symbol.range, selection), `${symbol.name}: selection inside its range`);
    for (const child of symbol.children) {
      assert.ok(inside(symbol.range, child.range), `${child.name} inside ${symbol.name}`);
      check(child);
    }
  };

  it('groups world, programs (with labels) and script', () => {
    const analysis = analyzeScenario(SCENARIO);
    const outline = outlineOf(analysis.scenario, analysis.lines);
    assert.deepEqual(
      outline.map((s) => [s.name, s.kind, s.range.startLine, s.range.endLine]),
      [
        ['World', 'world', 1, 1],
        ['pinger', 'program', 3, 10],
        ['other', 'program', 12, 16],
        ['Script', 'script', 18, 26],
      ],
    );
    assert.deepEqual(
      outline[1]?.children.map((c) => c.name),
      ['again'],
    );
    const script = outline[3]?.children ?? [];
    assert.equal(script[0]?.name, 'first');
    assert.equal(script[0]?.kind, 'task');
    assert.equal(script[2]?.name, 'run first until again');
    outline.forEach(check);
  });

  it('keeps every selection inside its range on every example', () => {
    for (const { name, source } of examples()) {
      const analysis = analyzeScenario(source);
      const outline = outlineOf(analysis.scenario, analysis.lines);
      assert.ok(outline.length > 0, name);
      outline.forEach(check);
    }
  });

  it('folds program blocks and runs of comments', () => {
    const source = '# one\n# two\nworld default\nprogram p\n  exit 0\nend\n# alone\n';
    assert.deepEqual(foldingRegions(source.split('\n')), [
      { startLine: 1, endLine: 2, kind: 'comment' },
      { startLine: 4, endLine: 6, kind: 'block' },
    ]);
    const unterminated = 'program p\n  exit 0\n';
    assert.deepEqual(foldingRegions(unterminated.split('\n')), [
      { startLine: 1, endLine: 3, kind: 'block' },
    ]);
  });
});

describe('language service: quick fixes and related places', () => {
  it('turns every suggestion into a preferred fix that removes its diagnostic', () => {
    const source =
      'spawn counter as halyn -> c\nexpect last EPREM restart.creds.ui\nsysctl kernel.ckpt_restore_creds = authorised\nrun c until lop\n';
    const analysis = analyzeScenario(source);
    assert.equal(analysis.diagnostics.length, 4);
    let fixed = source;
    for (const diagnostic of analysis.diagnostics) {
      const [fix] = quickFixes(analysis, diagnostic);
      assert.ok(fix, diagnostic.message);
      assert.equal(fix.kind, 'replace');
      assert.equal(fix.preferred, true);
      fixed = applyEdits(fixed, fix.edits);
    }
    // `expect last` stops at its first mistake: fixing it reveals the check id's.
    const again = analyzeScenario(fixed);
    for (const diagnostic of again.diagnostics) {
      const [fix] = quickFixes(again, diagnostic);
      assert.ok(fix, diagnostic.message);
      fixed = applyEdits(fixed, fix.edits);
    }
    assert.deepEqual(analyzeScenario(fixed).diagnostics, []);
    assert.match(fixed, /as hallyn/);
    assert.match(fixed, /EPERM restart\.creds\.uid/);
    assert.match(fixed, /= authorized/);
    assert.match(fixed, /until loop/);
  });

  it('never offers to replace a word with nothing', () => {
    // The resolver knows the basename of `/` (empty) as a task name and may suggest it.
    const source = 'run c 1 step\n';
    const analysis = analyzeScenario(source);
    const [unknown] = analysis.diagnostics;
    assert.equal(unknown?.code, 'unknown-task');
    assert.deepEqual(quickFixes(analysis, unknown), []);
    assert.equal(usableSuggestion(unknown), undefined);
  });

  it('adds a missing parent directory and the label LSM', () => {
    const source =
      'file /srv/data/notes contains "x"\nlsm deny checkpoint domain passwd_t\nlsm allow transition from user_t to passwd_t\n';
    const analysis = analyzeScenario(source);
    const fixes = analysis.diagnostics.flatMap((d) => quickFixes(analysis, d));
    assert.deepEqual(
      fixes.map((f) => [f.kind, f.text]),
      [
        ['add-dir', '/srv /srv/data'],
        ['add-lsm-label', 'label'],
        ['add-lsm-label', 'label'],
      ],
    );
    // One `lsm label` is enough for both rules.
    const once = applyEdits(
      source,
      fixes.slice(0, 2).flatMap((f) => f.edits),
    );
    assert.deepEqual(analyzeScenario(once).diagnostics, []);
    assert.match(once, /^dir \/srv\ndir \/srv\/data\nfile/);
    assert.match(once, /lsm label\nlsm deny/);
  });

  it('relates a duplicate to its first definition, a variable to its program', () => {
    const source =
      'program p\nx:\nx:\n  exit 0\nend\nprogram q\n  print y\nend\nprogram p\n  exit 0\nend\n';
    const analysis = analyzeScenario(source);
    const related = analysis.diagnostics.map((d) => [d.code, d.line, relatedPlaces(analysis, d)]);
    assert.deepEqual(related, [
      ['duplicate', 3, [{ line: 2, column: 1, length: 1, message: 'first definition of `x`' }]],
      ['undefined-variable', 7, [{ line: 6, column: 9, length: 1, message: 'in program `q`' }]],
      ['duplicate', 9, [{ line: 1, column: 9, length: 1, message: 'first definition of `p`' }]],
    ]);
  });

  it('relates a task used before it is named to the statement naming it', () => {
    const source = 'run c 1 step\nspawn counter as root -> c\n';
    const analysis = analyzeScenario(source);
    const [unknown] = analysis.diagnostics;
    assert.equal(unknown?.code, 'unknown-task');
    assert.deepEqual(relatedPlaces(analysis, unknown), [
      { line: 2, column: 26, length: 1, message: '`c` is named here, after its use' },
    ]);
  });

  it('relates a type mismatch to where the variable got its type', () => {
    const source = 'program p\n  open /etc/passwd r -> fd\n  store fd 1\n  exit 0\nend\n';
    const analysis = analyzeScenario(source);
    const [mismatch] = analysis.diagnostics;
    assert.equal(mismatch?.code, 'type-mismatch');
    assert.deepEqual(
      relatedPlaces(analysis, mismatch).map((p) => [p.line, p.message]),
      [
        [1, 'in program `p`'],
        [2, '`fd` is assigned here'],
      ],
    );
  });
});
