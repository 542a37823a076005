/**
 * One-line syntax and meaning of every statement and instruction, for the editor's hover and
 * completion (the full text is docs/lab-language.md). Check ids are explained by the kernel's
 * CHECK_MODELS; errnos and sysctls by the entries below.
 */

export interface KeywordDoc {
  syntax: string;
  summary: string;
}

/** Top-level statements (world and script). */
export const STATEMENT_DOCS: Readonly<Record<string, KeywordDoc>> = {
  world: {
    syntax: 'world default|empty',
    summary: 'start from the built-in world or from /, /tmp and root only',
  },
  user: {
    syntax: 'user NAME UID [gid GID] [groups G,...] [domain D]',
    summary: 'add a user to the password table',
  },
  group: { syntax: 'group NAME GID [members U,...]', summary: 'add or change a group' },
  dir: {
    syntax: 'dir PATH [mode M] [owner U[:G]] [label L]',
    summary: 'add a directory (default 0755 root)',
  },
  file: {
    syntax:
      'file PATH [mode M] [owner U[:G]] [runs PROGRAM] [contains "TEXT" | contains hex HEX] [label L]',
    summary: 'add a file; `runs` names the program it executes',
  },
  sysctl: {
    syntax: 'sysctl NAME = VALUE',
    summary: 'set a sysctl (world setup before the first action, an action after)',
  },
  lsm: {
    syntax:
      'lsm none|dummy|label | lsm deny checkpoint|restore|ptrace ... | lsm transition exec L to D | lsm allow transition from D0 to D',
    summary: 'choose the LSM and write the label policy',
  },
  machine: {
    syntax: 'machine key "TEXT" | machine key hex HEX',
    summary: "the machine's sealed key (key id `machine`)",
  },
  limit: {
    syntax: 'limit memory N [KiB|MiB|GiB] | limit nproc N | limit file N [KiB|MiB|GiB]',
    summary: 'machine memory for restored pages; tasks per user; the largest file (EFBIG)',
  },
  seed: { syntax: 'seed N', summary: "the kernel's seed" },
  program: {
    syntax: 'program NAME ... end',
    summary: 'what a task executes, one instruction per step',
  },
  spawn: {
    syntax: 'spawn PROGRAM|PATH as USER [in CONTAINER] [container NEW] -> NAME',
    summary: 'start a task executing a file, optionally in (or as the init of) a container',
  },
  run: {
    syntax: 'run TASK|all [N steps | until LABEL|SYSCALL | to end]',
    summary: 'step a task (to exit, at most 10000 steps, without a bound)',
  },
  freeze: { syntax: 'freeze TASK|CONTAINER', summary: 'freeze a task and its descendants' },
  thaw: { syntax: 'thaw TASK|CONTAINER', summary: 'thaw a task and its descendants' },
  checkpoint: {
    syntax: 'checkpoint TASK|CONTAINER as USER [flags F] to PATH',
    summary: 'sys_checkpoint from a task of USER in the root namespace',
  },
  restart: {
    syntax: 'restart PATH as USER [flags F] [-> NAME]',
    summary: 'sys_restart from a task of USER',
  },
  tamper: {
    syntax: 'tamper PATH FIELD = VALUE',
    summary: 'edit an image: tasks[0].cred.euid (model), CRED[0].euid (in place), byte[OFFSET]',
  },
  export: {
    syntax: 'export PATH as "NAME"',
    summary: 'hand a file of the emulated VFS to the host',
  },
  expect: {
    syntax: 'expect last|check|task|var|output|file ...',
    summary: 'an expectation: the scenario fails when it does not hold',
  },
};

/** Program instructions. */
export const INSTRUCTION_DOCS: Readonly<Record<string, KeywordDoc>> = {
  set: { syntax: 'set X = EXPR', summary: 'assign a variable (it lives in task memory)' },
  goto: { syntax: 'goto LABEL', summary: 'jump' },
  if: { syntax: 'if EXPR goto LABEL', summary: 'jump when the condition is not zero' },
  open: { syntax: 'open PATH r|w|rw [create] [trunc] [append] [-> FD]', summary: 'open(2)' },
  close: { syntax: 'close FD [-> R]', summary: 'close(2)' },
  read: { syntax: 'read FD BUF N [-> COUNT]', summary: 'read(2) into task memory' },
  write: { syntax: 'write FD "TEXT"|BUF [N] [-> COUNT]', summary: 'write(2)' },
  dup: { syntax: 'dup FD [-> FD2]', summary: 'dup(2): the new descriptor shares the open file' },
  mmap: {
    syntax: 'mmap anon|file FD N pages PROT [shared|private] [-> ADDR]',
    summary: 'mmap(2); PROT is none, r, w, x, rw, rx, wx or rwx',
  },
  munmap: { syntax: 'munmap ADDR N pages [-> R]', summary: 'munmap(2)' },
  store: {
    syntax: 'store ADDR "TEXT"|EXPR',
    summary: 'write a string (with its NUL) or an 8-byte number to memory',
  },
  load: { syntax: 'load ADDR -> X', summary: 'read an 8-byte number from memory' },
  fork: {
    syntax: 'fork [-> PID]',
    summary: "fork(2): the child's pid in the parent, 0 in the child",
  },
  exec: { syntax: 'exec PATH [-> R]', summary: 'execve(2): setuid/setgid bits apply' },
  seteuid: { syntax: 'seteuid E', summary: 'setresuid(-1, E, -1)' },
  setegid: { syntax: 'setegid E', summary: 'setresgid(-1, E, -1)' },
  setresuid: {
    syntax: 'setresuid R E S',
    summary: 'setresuid(2); -1 keeps an id; user names allowed',
  },
  setresgid: {
    syntax: 'setresgid R E S',
    summary: 'setresgid(2); -1 keeps an id; group names allowed',
  },
  setgroups: { syntax: 'setgroups G,...', summary: 'setgroups(2)' },
  capset: {
    syntax: 'capset [effective CAPS] [permitted CAPS] [inheritable CAPS]',
    summary: 'capset(2); CAPS are numbers or CAP_ names joined by `,`, or none',
  },
  unshare: {
    syntax: 'unshare pid [-> R]',
    summary: 'unshare(CLONE_NEWPID): the next child is init of a new pid namespace',
  },
  prctl: {
    syntax: 'prctl capbset_drop CAPS [-> R] | prctl set_securebits N [-> R]',
    summary:
      'prctl(PR_CAPBSET_DROP) / prctl(PR_SET_SECUREBITS): both need CAP_SETPCAP; a locked securebit stays',
  },
  ptrace: {
    syntax: 'ptrace attach|detach PID [-> R]',
    summary:
      'sys_ptrace: attach (ptrace_may_access in attach mode; the task stops, and checkpoint.state refuses it) or detach',
  },
  freeze: { syntax: 'freeze PID', summary: 'freeze a task of the caller namespace' },
  thaw: { syntax: 'thaw PID', summary: 'thaw a task of the caller namespace' },
  checkpoint: {
    syntax: 'checkpoint self|PID to PATH [flags F] [-> CRID]',
    summary: 'sys_checkpoint; returns the crid, and 0 in a task restarted from the image',
  },
  restart: { syntax: 'restart PATH [flags F] [-> R]', summary: 'sys_restart' },
  getpid: { syntax: 'getpid -> X', summary: 'getpid(2)' },
  getuid: { syntax: 'getuid -> X', summary: 'getuid(2)' },
  unlink: { syntax: 'unlink PATH [-> R]', summary: 'unlink(2)' },
  chmod: { syntax: 'chmod PATH MODE [-> R]', summary: 'chmod(2)' },
  print: {
    syntax: 'print ITEM...',
    summary: 'a console line: strings, numbers, strings in memory',
  },
  sleep: { syntax: 'sleep N', summary: 'sleep N steps' },
  exit: { syntax: 'exit [CODE]', summary: 'exit(2)' },
};

/** Sysctls of kernel.md. */
export const SYSCTL_DOCS: Readonly<Record<string, string>> = {
  'kernel.ckpt_unpriv_allowed':
    '1 (default): unprivileged checkpoint/restart; 0: both need CAP_SYS_ADMIN',
  'kernel.ckpt_ptrace_mode':
    '`attach` (default, stricter) or `read` (RFC v7): the ptrace_may_access mode of checkpoint.ptrace',
  'kernel.ckpt_restore_creds':
    "`authorized` (default): image credentials if the caller could set them; `caller` (RFC v7): the caller's; `signed`: as saved for a verified signed image",
  'kernel.ckpt_sign_images':
    '1: checkpoint appends a SIGN record (HMAC-SHA256 with the machine key)',
  'kernel.ckpt_require_signed': '1: restart refuses unsigned images (EPERM)',
};
