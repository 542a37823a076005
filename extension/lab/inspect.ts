/**
 * What a debugger shows of a task, as a tree of named values: registers, the program's variables
 * (read from task memory), credentials with user and group names and capabilities by name,
 * descriptors, mappings and the task's state. The tree says what a value is (a number, an
 * address, text) and where it lives in memory; how to print it (hex or decimal) is the viewer's.
 */
import {
  FLAG_NAMES,
  PAGE_SIZE,
  Prot,
  VmFlag,
  capabilityNames,
  displayCapabilities,
  displayOpenFlags,
  flagNames,
} from '../image/index';
import type { CredInfo, Program, TaskInfo } from '../kernel/index';
import { DATA_BASE } from '../kernel/index';

export interface InspectNode {
  name: string;
  /** A number (shown in decimal or hex), text, or null for a group that only has children. */
  value: number | string | null;
  /** What the value means, shown after it: a user name, flag names, a path. */
  note?: string;
  /** `address` values are always shown in hex. */
  kind: 'number' | 'address' | 'text' | 'group';
  /** An address in the task's memory this node refers to (the pointee, a mapping's start). */
  memory?: number;
  /** An expression the evaluator understands that yields this node's value. */
  evaluateName?: string;
  children?: InspectNode[];
  /** The 8-byte memory slot that holds this value, when a debugger may write it. */
  slot?: number;
}

export interface InspectScope {
  name: string;
  nodes: InspectNode[];
}

/** What building the tree needs besides the task snapshot. */
export interface InspectContext {
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
  /** Bytes of the task's memory, or null where unmapped. */
  readMemory(address: number, length: number): Uint8Array | null;
}

/** The register names of the lab64 CPU: regs[0] is the last system call's return value. */
export const REGISTER_NAMES = Array.from({ length: 16 }, (_, index) => `r${index}`);

/** The address of variable `index`'s slot in the data mapping. */
export function variableAddress(index: number): number {
  return DATA_BASE + 8 * index;
}

const number = (name: string, value: number, extra: Partial<InspectNode> = {}): InspectNode => ({
  name,
  value,
  kind: 'number',
  ...extra,
});

const text = (name: string, value: string, extra: Partial<InspectNode> = {}): InspectNode => ({
  name,
  value,
  kind: 'text',
  ...extra,
});

const group = (name: string, children: InspectNode[], extra: Partial<InspectNode> = {}) =>
  ({ name, value: null, kind: 'group', children, ...extra }) satisfies InspectNode;

/** `rw-p`, as /proc/PID/maps writes a mapping's protection and sharing. */
export function protString(prot: number, flags: number): string {
  return (
    ((prot & Prot.READ) !== 0 ? 'r' : '-') +
    ((prot & Prot.WRITE) !== 0 ? 'w' : '-') +
    ((prot & Prot.EXEC) !== 0 ? 'x' : '-') +
    ((flags & VmFlag.SHARED) !== 0 ? 's' : 'p')
  );
}

/** The printable text of a NUL-terminated string at `address` (at most 64 bytes), or null. */
function previewString(context: InspectContext, address: number): string | null {
  const bytes = context.readMemory(address, 64);
  if (bytes === null) return null;
  const end = bytes.indexOf(0);
  const slice = bytes.subarray(0, end < 0 ? bytes.length : end);
  if (slice.length === 0) return null;
  if (slice.some((byte) => (byte < 0x20 && byte !== 0x0a && byte !== 0x09) || byte === 0x7f))
    return null;
  const decoded = new TextDecoder().decode(slice);
  return end < 0 ? `${decoded}…` : decoded;
}

function inMapping(task: TaskInfo, address: number): boolean {
  return task.vmas.some((vma) => address >= vma.start && address < vma.end);
}

function registers(task: TaskInfo): InspectNode[] {
  return [
    number('pc', task.pc, {
      note: 'index of the next instruction',
      evaluateName: 'pc',
    }),
    ...task.regs.map((value, index) =>
      number(`r${index}`, value, {
        evaluateName: `r${index}`,
        ...(index === 0 ? { note: "the last system call's return value" } : {}),
      }),
    ),
  ];
}

function variables(
  task: TaskInfo,
  program: Program | null,
  context: InspectContext,
): InspectNode[] {
  const nodes: InspectNode[] = [];
  const temporaries: InspectNode[] = [];
  (program?.vars ?? []).forEach((name, index) => {
    const value = task.vars[name];
    const slot = variableAddress(index);
    if (value === undefined) {
      nodes.push(text(name, '(unmapped)', { memory: slot }));
      return;
    }
    const pointer = value !== 0 && inMapping(task, value);
    const node: InspectNode = pointer
      ? { name, value, kind: 'address', memory: value, slot, evaluateName: name }
      : number(name, value, { memory: slot, slot, evaluateName: name });
    if (pointer) {
      const preview = previewString(context, value);
      if (preview !== null) {
        node.note = JSON.stringify(preview);
        node.children = [text(`*${name}`, preview, { memory: value })];
      }
    }
    (name.startsWith('$') ? temporaries : nodes).push(node);
  });
  if (temporaries.length > 0) {
    nodes.push(group('(temporaries)', temporaries, { note: 'intermediate values of expressions' }));
  }
  return nodes;
}

function capabilitySet(name: string, set: bigint): InspectNode {
  const names = capabilityNames(set);
  return {
    name,
    value: Number(set),
    kind: 'number',
    note: displayCapabilities(set),
    evaluateName: `creds.${name}`,
    children: names.map((cap) => text(cap, 'set')),
  };
}

function credentials(cred: CredInfo, context: InspectContext): InspectNode[] {
  const uid = (name: keyof CredInfo & string, value: number): InspectNode =>
    number(name, value, {
      note: context.userName(value) ?? 'no such user',
      evaluateName: `creds.${name}`,
    });
  const gid = (name: keyof CredInfo & string, value: number): InspectNode =>
    number(name, value, {
      note: context.groupName(value) ?? 'no such group',
      evaluateName: `creds.${name}`,
    });
  return [
    uid('uid', cred.uid),
    uid('euid', cred.euid),
    uid('suid', cred.suid),
    uid('fsuid', cred.fsuid),
    gid('gid', cred.gid),
    gid('egid', cred.egid),
    gid('sgid', cred.sgid),
    gid('fsgid', cred.fsgid),
    {
      name: 'groups',
      value: cred.groups.join(',') || '(none)',
      kind: 'text',
      note: cred.groups.map((g) => context.groupName(g) ?? String(g)).join(', '),
      children: cred.groups.map((g, index) =>
        number(`[${index}]`, g, { note: context.groupName(g) ?? 'no such group' }),
      ),
    },
    capabilitySet('cap_effective', cred.capEffective),
    capabilitySet('cap_permitted', cred.capPermitted),
    capabilitySet('cap_inheritable', cred.capInheritable),
    capabilitySet('cap_bset', cred.capBset),
    number('securebits', cred.securebits, {
      note: flagNames(cred.securebits, FLAG_NAMES.securebits),
      evaluateName: 'creds.securebits',
    }),
  ];
}

function descriptors(task: TaskInfo): InspectNode[] {
  return task.fds.map((fd) => {
    const sharing = task.fds
      .filter((other) => other.openFileId === fd.openFileId && other.fd !== fd.fd)
      .map((other) => other.fd);
    return {
      name: `fd ${fd.fd}`,
      value: fd.path,
      kind: 'text',
      note: displayOpenFlags(fd.flags),
      children: [
        text('path', fd.path),
        number('flags', fd.flags, { note: displayOpenFlags(fd.flags) }),
        number('pos', fd.pos),
        text('close_on_exec', fd.closeOnExec ? 'yes' : 'no'),
        number('open file', fd.openFileId, {
          note:
            sharing.length === 0
              ? 'not shared with another descriptor'
              : `shared with fd ${sharing.join(', ')}`,
        }),
      ],
    } satisfies InspectNode;
  });
}

function mappings(task: TaskInfo): InspectNode[] {
  return task.vmas.map((vma) => {
    const protection = protString(vma.prot, vma.flags);
    const pages = (vma.end - vma.start) / PAGE_SIZE;
    return {
      name: `0x${vma.start.toString(16)}-0x${vma.end.toString(16)}`,
      value: `${protection} ${vma.file ?? '[anon]'}`,
      kind: 'text',
      memory: vma.start,
      note: `${pages} page${pages === 1 ? '' : 's'}, ${vma.residentPages} touched`,
      children: [
        { name: 'start', value: vma.start, kind: 'address', memory: vma.start },
        { name: 'end', value: vma.end, kind: 'address' },
        number('prot', vma.prot, { note: flagNames(vma.prot, FLAG_NAMES.prot) }),
        number('flags', vma.flags, { note: flagNames(vma.flags, FLAG_NAMES.vm) }),
        text('file', vma.file ?? '(anonymous)'),
        number('pgoff', vma.pgoff),
        number('touched pages', vma.residentPages),
      ],
    } satisfies InspectNode;
  });
}

function state(task: TaskInfo): InspectNode[] {
  const nodes: InspectNode[] = [
    number('pid', task.pid, { evaluateName: 'pid' }),
    text('pids by namespace', task.nsPids.join(' → '), {
      note: task.nsInit
        ? `init of a namespace at depth ${task.nsLevel}`
        : `namespace depth ${task.nsLevel}`,
    }),
    number('ppid', task.ppid, { evaluateName: 'ppid' }),
    text('comm', task.comm),
    text('state', task.state),
    text('exe', task.exe),
    text('program', task.program || '(none)'),
    text('dumpable', task.dumpable ? 'yes' : 'no', {
      note: task.dumpable ? '' : 'cleared by a setuid exec: only CAP_SYS_PTRACE may checkpoint it',
    }),
    text('LSM label', task.label ?? '(none)'),
  ];
  if (task.exitCode !== null) nodes.push(number('exit status', task.exitCode));
  return nodes;
}

/** Every scope of a task, in the order a debugger lists them. */
export function taskScopes(
  task: TaskInfo,
  program: Program | null,
  context: InspectContext,
): InspectScope[] {
  return [
    { name: 'Program variables', nodes: variables(task, program, context) },
    { name: 'Registers', nodes: registers(task) },
    { name: 'Credentials', nodes: credentials(task.cred, context) },
    { name: 'Descriptors', nodes: descriptors(task) },
    { name: 'Mappings', nodes: mappings(task) },
    { name: 'Task', nodes: state(task) },
  ];
}

/** A task's value by name, as watch expressions and breakpoint conditions name it. */
export function taskValue(task: TaskInfo, name: string): number | undefined {
  if (Object.hasOwn(task.vars, name)) return task.vars[name];
  const register = /^(?:r|regs\[)(\d+)\]?$/.exec(name);
  if (register !== null) {
    const index = Number(register[1]);
    if (name === `r${index}` || name === `regs[${index}]`) return task.regs[index];
  }
  const field = name.replace(/^(?:creds?|task)\./, '');
  const cred = task.cred;
  switch (field) {
    case 'pc':
      return task.pc;
    case 'pid':
      return task.pid;
    case 'ppid':
      return task.ppid;
    case 'uid':
    case 'euid':
    case 'suid':
    case 'fsuid':
    case 'gid':
    case 'egid':
    case 'sgid':
    case 'fsgid':
    case 'securebits':
      return cred[field];
    case 'caps':
    case 'cap_effective':
      return Number(cred.capEffective);
    case 'cap_permitted':
      return Number(cred.capPermitted);
    case 'cap_inheritable':
      return Number(cred.capInheritable);
    case 'cap_bset':
      return Number(cred.capBset);
    case 'dumpable':
      return Number(task.dumpable);
    case 'exit':
      return task.exitCode ?? undefined;
    default:
      return undefined;
  }
}
