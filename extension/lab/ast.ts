/**
 * The syntax tree of a `.crlab` scenario. Every node keeps its source position so that
 * diagnostics, the transcript, check records and the debugger can point back at the line.
 */

export interface Span {
  line: number;
  column: number;
  length: number;
}

/** A name as written: a variable, a label, a task, a user, a program. */
export interface Name extends Span {
  text: string;
}

export interface PathArg extends Span {
  path: string;
}

export interface StringArg extends Span {
  value: string;
}

export type Expr =
  | ({ kind: 'int'; value: number } & Span)
  | ({ kind: 'name'; name: string } & Span)
  | ({ kind: 'neg'; operand: Expr } & Span)
  | ({ kind: 'binary'; op: BinaryOp; left: Expr; right: Expr } & Span);

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** What `print`, `store` and `write` accept: a string literal or an integer expression. */
export type Datum = ({ kind: 'string'; value: string } & Span) | Expr;

export type Access = 'r' | 'w' | 'rw';

/** One statement of a program body (the tasks' instruction set). */
export type Instruction = Span &
  (
    | { op: 'set'; target: Name; value: Expr }
    | { op: 'goto'; label: Name }
    | { op: 'if'; condition: Expr; label: Name }
    | {
        op: 'open';
        path: PathArg;
        access: Access;
        create: boolean;
        truncate: boolean;
        append: boolean;
        target?: Name;
      }
    | { op: 'close'; fd: Expr; target?: Name }
    | { op: 'read'; fd: Expr; buffer: Expr; count: Expr; target?: Name }
    | { op: 'write'; fd: Expr; data: Datum; count?: Expr; target?: Name }
    | { op: 'dup'; fd: Expr; target?: Name }
    | {
        op: 'mmap';
        /** The descriptor of the file to map; absent for an anonymous mapping. */
        fd?: Expr;
        pages: Expr;
        prot: string;
        shared: boolean;
        target?: Name;
      }
    | { op: 'munmap'; address: Expr; pages: Expr; target?: Name }
    | { op: 'store'; address: Expr; data: Datum }
    | { op: 'load'; address: Expr; target: Name }
    | { op: 'fork'; target?: Name }
    | { op: 'exec'; path: PathArg; target?: Name }
    | { op: 'seteuid' | 'setegid'; id: Expr; target?: Name }
    | { op: 'setresuid' | 'setresgid'; ids: [Expr, Expr, Expr]; target?: Name }
    /** Group names or numbers: the kernel takes the list as constants. */
    | { op: 'setgroups'; groups: Name[]; target?: Name }
    /** Capability numbers per set; an omitted set is empty. */
    | {
        op: 'capset';
        effective: number[];
        permitted: number[];
        inheritable: number[];
        target?: Name;
      }
    | { op: 'unshare'; target?: Name }
    | { op: 'freeze' | 'thaw'; pid: Expr; target?: Name }
    | { op: 'ptrace'; request: 'attach' | 'detach'; pid: Expr; target?: Name }
    | { op: 'prctl'; option: 'capbset_drop'; caps: number[]; target?: Name }
    | { op: 'prctl'; option: 'set_securebits'; bits: Expr; target?: Name }
    | { op: 'checkpoint'; pid: Expr | 'self'; path: PathArg; flags: number; target?: Name }
    | { op: 'restart'; path: PathArg; flags: number; target?: Name }
    | { op: 'getpid' | 'getuid'; target: Name }
    | { op: 'unlink'; path: PathArg; target?: Name }
    | { op: 'chmod'; path: PathArg; mode: number; target?: Name }
    | { op: 'print'; items: Datum[] }
    | { op: 'sleep'; ticks: Expr }
    | { op: 'exit'; code: Expr }
  );

export type InstructionOp = Instruction['op'];

export interface Program extends Span {
  name: Name;
  instructions: Instruction[];
  /** Label name to the index of the instruction it stands before (may equal the length). */
  labels: Map<string, { index: number; span: Span }>;
}

export interface Owner {
  user: Name;
  group?: Name;
}

/** World statements: they shape the kernel before the first action runs. */
export type WorldStatement =
  | (Span &
      (
        | { kind: 'world'; base: 'default' | 'empty' }
        | { kind: 'user'; name: Name; uid: number; gid?: number; groups: Name[]; domain?: Name }
        | { kind: 'group'; name: Name; gid: number; members: Name[] }
        | { kind: 'dir'; path: PathArg; mode?: number; owner?: Owner; label?: Name }
        | {
            kind: 'file';
            path: PathArg;
            mode?: number;
            owner?: Owner;
            runs?: Name;
            /** `contains "TEXT"` (UTF-8) or `contains hex 00ff...` (bytes as they are). */
            contents?: string | Uint8Array;
            label?: Name;
          }
        | { kind: 'lsm'; policy: 'none' | 'dummy' | 'label' }
        | {
            kind: 'lsm-deny';
            /** What is denied, with the label LSM's rule vocabulary. */
            deny: 'checkpoint' | 'restore' | 'ptrace';
            domain?: Name;
            label?: Name;
          }
        | { kind: 'lsm-transition'; exec: Name; to: Name; from?: Name }
        | { kind: 'lsm-allow-transition'; from: Name; to: Name }
        | { kind: 'machine-key'; key: Uint8Array }
        | { kind: 'limit'; limit: 'memory' | 'nproc' | 'file'; value: number }
        | { kind: 'seed'; value: number }
      ))
  | SysctlStatement;

/** `sysctl NAME = VALUE`: world setup before the first action, an action after it. */
export type SysctlStatement = Span & { kind: 'sysctl'; name: Name; value: Name | number };

export type RunMode =
  | { kind: 'steps'; steps: number }
  | { kind: 'label'; label: Name }
  | { kind: 'syscall'; syscall: Name }
  | { kind: 'end' };

export type TaskField =
  | 'uid'
  | 'euid'
  | 'suid'
  | 'fsuid'
  | 'gid'
  | 'egid'
  | 'sgid'
  | 'fsgid'
  | 'state'
  | 'pc'
  | 'comm'
  | 'dumpable'
  | 'exit'
  | 'groups'
  | 'caps';

/** The script: actions against the running kernel and expectations about what they did. */
export type ScriptStatement =
  | (Span &
      (
        | {
            kind: 'spawn';
            program: Name | PathArg;
            user: Name;
            inContainer?: Name;
            newContainer?: Name;
            target: Name;
          }
        | { kind: 'exec'; task: Name; path: PathArg }
        | { kind: 'run'; task: Name | 'all'; mode: RunMode }
        | { kind: 'freeze' | 'thaw'; task: Name }
        | { kind: 'checkpoint'; task: Name; user: Name; flags: number; path: PathArg }
        | { kind: 'restart'; path: PathArg; user: Name; flags: number; target?: Name }
        | { kind: 'tamper'; path: PathArg; field: Name; value: Expr | StringArg }
        | { kind: 'export'; path: PathArg; as: StringArg }
        | { kind: 'expect-last'; ok: boolean; errno?: Name; check?: Name }
        | { kind: 'expect-check'; check: Name; result: 'pass' | 'fail' | 'skip'; errno?: Name }
        | { kind: 'expect-task'; task: Name; field: TaskField; value: Name | number | StringArg }
        | { kind: 'expect-var'; task: Name; variable: Name; value: number }
        | { kind: 'expect-output'; task?: Name; text: StringArg }
        | {
            kind: 'expect-file';
            path: PathArg;
            test: 'exists' | 'missing' | 'contains' | 'mode' | 'owner';
            text?: StringArg;
            mode?: number;
            owner?: Owner;
          }
      ))
  | SysctlStatement;

export interface Scenario {
  /** World statements in source order; `sysctl` before the first action lands here. */
  world: WorldStatement[];
  programs: Program[];
  script: ScriptStatement[];
}
