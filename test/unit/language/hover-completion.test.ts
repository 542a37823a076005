import { strict as assert } from 'node:assert';
import {
  analyzeScenario,
  completionsAt,
  hoverAt,
  type CompletionResult,
} from '../../../extension/lab/language-service';
import { CHECK_IDS, ERRNOS, SYSCALLS } from '../../../extension/lab/vocabulary';
import { CHECK_MODELS, ERRNO } from '../../../extension/kernel/index';
import { at } from './helpers';

const SCENARIO = `world default
user alice 600 groups shadow
group staff 50 members alice
file /srv/notes mode 0640 owner alice:staff
dir /srv
file /usr/bin/tool mode 04755 owner root runs tool
sysctl kernel.ckpt_restore_creds = authorized

program tool
  open /etc/shadow rw -> shadow
  mmap anon 1 page rw -> buf
  set n = 0
loop:
  set n = n + 1
  if n < 3 goto loop
  checkpoint self to /tmp/tool.crimg flags SUBTREE -> crid
  exit 0
end

spawn /usr/bin/tool as alice -> worker
run worker until checkpoint
expect last ok
restart /tmp/tool.crimg as hallyn flags FROZEN -> again
expect last EPERM restart.creds.uid
expect check restart.format pass
expect var again n 3
`;

describe('language service: hover', () => {
  const analysis = analyzeScenario(SCENARIO);

  const hover = (needle: string, nth = 0, offset = 1): string => {
    const { line, column } = at(SCENARIO, needle, nth, offset);
    const result = hoverAt(analysis, line, column);
    assert.ok(result, `a hover on ${needle}`);
    return result.markdown;
  };

  it('has a scenario without mistakes to hover over', () => {
    assert.deepEqual(analysis.diagnostics, []);
  });

  it('explains a check id from the kernel registry: model, pass, skip, errno, order', () => {
    const text = hover('restart.creds.uid');
    assert.match(
      text,
      /^\*\*restart\.creds\.uid\*\* — security check of `sys_restart` \(11 of 19\)/,
    );
    assert.ok(text.includes(CHECK_MODELS['restart.creds.uid']));
    assert.match(text, /\*\*Passes\*\* when/);
    assert.match(text, /\*\*Skipped\*\* under `kernel\.ckpt_restore_creds = caller`/);
    assert.match(text, /\*\*Fails\*\* with `EPERM`/);
    assert.match(text, /once per task of the image/);
  });

  it('covers the whole check id token with its range', () => {
    const { line, column } = at(SCENARIO, 'restart.creds.uid', 0, 5);
    const result = hoverAt(analysis, line, column);
    assert.deepEqual(result?.span, {
      line,
      column: column - 5,
      length: 'restart.creds.uid'.length,
    });
  });

  it('explains an errno with its number, text and the checks failing with it', () => {
    const text = hover('EPERM');
    assert.match(
      text,
      new RegExp(`^\\*\\*EPERM\\*\\* \\(${ERRNO.EPERM}\\) — Operation not permitted`),
    );
    assert.match(text, /`restart\.creds\.uid`/);
    assert.doesNotMatch(text, /`restart\.fd`/, 'restart.fd fails with EBADF only');
  });

  it('explains a sysctl: values, default, effect, and the value set', () => {
    const name = hover('kernel.ckpt_restore_creds');
    assert.match(name, /Values: `caller`, `authorized`, `signed`; default `authorized`/);
    const value = hover('authorized');
    assert.match(value, /Set here to `authorized`/);
  });

  it('explains statements, instructions and system calls with their syntax', () => {
    assert.match(
      hover('spawn', 0, 0),
      /\*\*spawn\*\* — statement[\s\S]*```crlab\nspawn PROGRAM\|PATH as USER/,
    );
    assert.match(hover('open', 0, 0), /\*\*open\*\* — system call[\s\S]*Models `sys_open/);
    assert.match(hover('checkpoint self', 0, 0), /Models `sys_checkpoint\(pid, fd, flags\)`/);
    assert.match(hover('set n = 0', 0, 0), /\*\*set\*\* — instruction/);
    assert.match(hover('until checkpoint', 0, 7), /system call/);
  });

  it("describes users and groups of the scenario's world", () => {
    const alice = hover('alice', 0);
    assert.match(alice, /\*\*alice\*\* — user, uid 600, gid 600 \(alice\)/);
    assert.match(alice, /Supplementary groups: `shadow`, `staff`/);
    const hallyn = hover('hallyn');
    assert.match(hallyn, /uid 500/);
    const staff = hover('staff', 0);
    assert.match(staff, /\*\*staff\*\* — group, gid 50/);
    assert.match(staff, /`alice`/);
  });

  it('describes paths: mode, setuid, owner, program; images by the checkpoint writing them', () => {
    const tool = hover('/usr/bin/tool');
    assert.match(tool, /mode `04755` \(setuid\), owner `root:root`/);
    assert.match(tool, /Runs program `tool`/);
    const notes = hover('/srv/notes');
    assert.match(notes, /mode `0640`, owner `alice:staff`/);
    const image = hover('/tmp/tool.crimg', 1);
    assert.match(image, /written by the checkpoint on line 16/);
  });

  it('describes programs, tasks, labels and variables', () => {
    assert.match(
      hover('program tool', 0, 9),
      /\*\*tool\*\* — program, 7 instructions, line 9\. Run by `\/usr\/bin\/tool`/,
    );
    assert.match(
      hover('worker', 1),
      /\*\*worker\*\* — task\n\n- line 20: `spawn \/usr\/bin\/tool as alice -> worker`/,
    );
    assert.match(hover('goto loop', 0, 5), /\*\*loop\*\* — label of program `tool`, line 13/);
    assert.match(
      hover('n = n', 0, 0),
      /\*\*n\*\* — variable of program `tool`[\s\S]*Assigned by `set` \(line 12\), `set` \(line 14\)/,
    );
    assert.match(hover('again n 3', 0, 6), /variable of program `tool`/);
  });

  it('explains flags by their kernel value', () => {
    assert.match(hover('SUBTREE'), /`CHECKPOINT_SUBTREE` = `0x1`/);
    assert.match(hover('FROZEN'), /`RESTART_FROZEN` = `0x2`/);
  });

  it('explains the form a word picks: label policy rules, ptrace requests, prctl options, limits', () => {
    const source = [
      'lsm label',
      'lsm allow transition from unconfined_t to user_t',
      'lsm deny ptrace domain passwd_t',
      'limit file 1 MiB',
      'program p',
      'ready: ptrace attach 1 -> r',
      '  prctl set_securebits 0x2f -> s',
      '  exit 0',
      'end',
      'spawn p as hallyn -> t',
    ].join('\n');
    const forms = analyzeScenario(source);
    assert.deepEqual(forms.diagnostics, []);
    const lineColumn = (p: { line: number; column: number }): [number, number] => [
      p.line,
      p.column,
    ];
    const hoverOn = (needle: string, nth = 0): string =>
      hoverAt(forms, ...lineColumn(at(source, needle, nth)))?.markdown ?? '';
    assert.match(hoverOn('allow'), /^\*\*allow\*\* — rule of the label LSM/);
    assert.match(hoverOn('transition'), /KEEP_LSM.*restart\.lsm/);
    assert.match(hoverOn('ptrace domain'), /`deny ptrace domain D`.*checkpoint\.ptrace/);
    assert.match(hoverOn('file 1'), /EFBIG/);
    assert.match(hoverOn('attach'), /PTRACE_ATTACH[^]*checkpoint\.state/);
    assert.match(hoverOn('set_securebits'), /PR_SET_SECUREBITS[^]*locked bit/);
    // A name of the policy or a number is no form.
    assert.equal(hoverAt(forms, ...lineColumn(at(source, 'unconfined_t'))), undefined);
    assert.equal(hoverAt(forms, ...lineColumn(at(source, 'MiB'))), undefined);
  });

  it('still explains check ids and errnos on a line with a mistake', () => {
    const broken =
      'expect last EPERM restart.creds.uid extra\nexpect check restart.pidnss fail EPERM\n';
    const brokenAnalysis = analyzeScenario(broken);
    assert.equal(brokenAnalysis.diagnostics.length, 2);
    const check = hoverAt(brokenAnalysis, 1, at(broken, 'restart.creds.uid').column);
    assert.match(check?.markdown ?? '', /security check/);
    const errno = hoverAt(brokenAnalysis, 2, at(broken, 'EPERM', 1).column);
    assert.match(errno?.markdown ?? '', /Operation not permitted/);
    assert.equal(hoverAt(brokenAnalysis, 2, at(broken, 'restart.pidnss').column), undefined);
  });

  it('says nothing inside comments and strings', () => {
    const source = 'world default # restart.creds.uid\nexpect output "EPERM"\n';
    const quiet = analyzeScenario(source);
    assert.equal(hoverAt(quiet, 1, source.indexOf('creds') + 1), undefined);
    assert.equal(hoverAt(quiet, 2, 18), undefined);
  });
});

describe('language service: completion by context', () => {
  const complete = (source: string, needle: string, nth = 0): CompletionResult => {
    const position = at(source, needle, nth, needle.length);
    return completionsAt(analyzeScenario(source), position.line, position.column);
  };
  const labels = (result: CompletionResult): string[] => result.items.map((i) => i.label);

  it('offers statements and snippets at the start of a line', () => {
    const result = completionsAt(analyzeScenario('world default\n\n'), 2, 1);
    const offered = labels(result);
    for (const keyword of ['user', 'file', 'sysctl', 'spawn', 'restart', 'expect', 'program'])
      assert.ok(offered.includes(keyword), keyword);
    const block = result.items.find((i) => i.label === 'program … end');
    assert.equal(block?.snippet, true);
    assert.match(block?.insertText ?? '', /^program \$\{1:name\}\n[\s\S]*\nend$/);
    const expectLast = result.items.find((i) => i.label === 'expect last ERRNO CHECK');
    assert.ok(expectLast?.insertText?.includes(`\${1|${ERRNOS.join(',')}|}`));
  });

  it('offers users after `as`, including those the scenario adds', () => {
    const source = 'user alice 600\nspawn counter as ';
    const offered = labels(complete(source, 'as '));
    for (const user of ['root', 'hallyn', 'oren', 'alice']) assert.ok(offered.includes(user), user);
    assert.ok(!offered.includes('spawn'));
  });

  it('offers every check id after `expect check`, and results after a check id', () => {
    assert.deepEqual(labels(complete('expect check ', 'check ')), [...CHECK_IDS]);
    assert.deepEqual(labels(complete('expect check restart.fd ', 'restart.fd ')), [
      'pass',
      'fail',
      'skip',
    ]);
    assert.deepEqual(labels(complete('expect check restart.fd fail ', 'fail ')), ['EBADF']);
  });

  it('offers ok and errnos after `expect last`, then the checks failing with that errno', () => {
    const last = labels(complete('expect last ', 'last '));
    assert.deepEqual(last, ['ok', ...ERRNOS]);
    const checks = labels(complete('expect last EBUSY ', 'EBUSY '));
    assert.deepEqual(checks, ['checkpoint.frozen', 'checkpoint.state', 'checkpoint.leak']);
  });

  it('offers sysctls and then the values of the one named', () => {
    assert.ok(labels(complete('sysctl ', 'sysctl ')).includes('kernel.ckpt_ptrace_mode'));
    assert.deepEqual(labels(complete('sysctl kernel.ckpt_ptrace_mode = ', '= ')), [
      'read',
      'attach',
    ]);
  });

  it('replaces the whole word being typed', () => {
    const source = 'expect check restart.cr';
    const result = complete(source, 'restart.cr');
    assert.deepEqual(result.span, { line: 1, column: 14, length: 'restart.cr'.length });
    const path = complete('restart /tm', '/tm');
    assert.deepEqual(path.span, { line: 1, column: 9, length: 3 });
    assert.ok(labels(path).length === 0 || labels(path).every((p) => p.startsWith('/')));
  });

  it('offers paths of the world where a path goes', () => {
    const offered = labels(complete('expect file ', 'file '));
    for (const path of ['/etc/shadow', '/bin/passwd', '/tmp'])
      assert.ok(offered.includes(path), path);
    const spawnable = labels(complete('spawn ', 'spawn '));
    assert.ok(spawnable.includes('/bin/passwd') && spawnable.includes('counter'));
    assert.ok(!spawnable.includes('/etc/shadow'), 'not executable');
  });

  it('offers tasks defined in the file, fields, states and ids', () => {
    const source = 'spawn counter as hallyn -> c\nrestart /tmp/x.crimg as root -> r\nexpect task ';
    assert.deepEqual(labels(complete(source, 'task ')), ['c', 'r']);
    assert.ok(labels(complete('expect task c ', 'c ')).includes('euid'));
    assert.ok(labels(complete('expect task c state ', 'state ')).includes('frozen'));
    assert.ok(labels(complete('expect task c egid ', 'egid ')).includes('shadow'));
  });

  it('offers instructions in a program, its own labels after goto, its variables elsewhere', () => {
    const source =
      'program a\n  set x = 1\nhere:\n  goto \n  print \nend\nprogram b\nthere:\n  exit 0\nend\n';
    const analysis = analyzeScenario(source);
    const start = labels(completionsAt(analysis, 2, 3));
    assert.ok(start.includes('open') && start.includes('end') && !start.includes('spawn'));
    for (const syscall of SYSCALLS) assert.ok(start.includes(syscall), syscall);
    assert.deepEqual(labels(completionsAt(analysis, 4, 8)), ['here']);
    assert.deepEqual(labels(completionsAt(analysis, 5, 9)), ['x']);
  });

  it("offers the label policy's rules and the instructions the kernel added", () => {
    assert.deepEqual(labels(complete('lsm ', 'lsm ')), [
      'none',
      'dummy',
      'label',
      'deny',
      'allow',
      'transition',
    ]);
    assert.deepEqual(labels(complete('lsm allow ', 'allow ')), ['transition']);
    const source = 'program p\n  ptrace \n  prctl capbset_drop \nend\n';
    const analysis = analyzeScenario(source);
    assert.deepEqual(labels(completionsAt(analysis, 2, 10)), ['attach', 'detach']);
    assert.ok(labels(completionsAt(analysis, 3, 22)).includes('CAP_SETPCAP'));
    const hover = hoverAt(analyzeScenario('program p\n  ptrace attach 1\nend\n'), 2, 4);
    assert.match(hover?.markdown ?? '', /Models `sys_ptrace/);
  });

  it('offers flags of the right call', () => {
    assert.deepEqual(labels(complete('checkpoint t as root flags ', 'flags ')), ['SUBTREE']);
    assert.deepEqual(labels(complete('restart /tmp/x as root flags ', 'flags ')), [
      'TASKSELF',
      'FROZEN',
      'KEEP_LSM',
    ]);
  });

  it('offers nothing in a comment, a string, or after `->`', () => {
    const comment = 'spawn counter as root # as ';
    assert.deepEqual(labels(completionsAt(analyzeScenario(comment), 1, comment.length + 1)), []);
    assert.deepEqual(labels(complete('expect output "as ', '"as ')), []);
    assert.deepEqual(labels(complete('spawn counter as root -> ', '-> ')), []);
  });
});
