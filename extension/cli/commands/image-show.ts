/** `crlab image show FILE [--json] [--pages] [--tree]`: records and fields, crit-show style. */
import {
  displayCapabilities,
  displayOpenFlags,
  flagNames,
  FLAG_NAMES,
  formatImageError,
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  type CheckpointImage,
  type FieldNode,
} from '../../image/index';
import { credIds, defaultMachineKey } from '../../kernel/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, printLines, readBytes } from '../io';
import type { ParsedArgs } from '../args';

function leaves(node: FieldNode, into: FieldNode[]): void {
  if (node.children === undefined || node.children.length === 0) {
    if (node.size > 0) into.push(node);
  } else node.children.forEach((child) => leaves(child, into));
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** xxd-style lines of one page, collapsing runs of zero lines into `*`. */
export function hexdump(data: Uint8Array, base: number): string[] {
  const lines: string[] = [];
  let skipping = false;
  for (let i = 0; i < data.length; i += 16) {
    const row = data.subarray(i, i + 16);
    if (row.every((b) => b === 0) && i > 0 && i + 16 < data.length) {
      if (!skipping) lines.push('*');
      skipping = true;
      continue;
    }
    skipping = false;
    const bytes = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
      .join('');
    lines.push(`${(base + i).toString(16).padStart(12, '0')}  ${bytes.padEnd(47)}  |${text}|`);
  }
  return lines;
}

interface TreeTask {
  vpid: number;
  vppid: number;
  nspid: number;
  nsdepth: number;
  nsInit: boolean;
  comm: string;
  state: number;
  dumpable: boolean;
  creds: Record<string, number | string | number[]>;
  exe: string;
  pc: number;
  fds: {
    fd: number;
    objref: number;
    path: string;
    flags: string;
    pos: number;
    closeOnExec: boolean;
  }[];
  vmas: {
    start: string;
    end: string;
    prot: string;
    flags: string;
    file: string | null;
    pages: number;
  }[];
}

/** The task tree of a valid image, as `--tree` and the JSON show it. */
export function taskTree(image: CheckpointImage): TreeTask[] {
  return image.tasks.map((task, index) => {
    const entry = image.tree[index];
    const cred = task.cred;
    return {
      vpid: task.vpid,
      vppid: entry?.vppid ?? 0,
      nspid: entry?.nspid ?? task.vpid,
      nsdepth: entry?.nsdepth ?? 0,
      nsInit: ((entry?.flags ?? 0) & 1) !== 0,
      comm: task.task.comm,
      state: task.task.state,
      dumpable: (task.task.flags & 1) !== 0,
      creds: {
        ...credIds(cred),
        groups: cred.groups,
        cap_effective: hex(Number(cred.cap_effective)),
        cap_permitted: hex(Number(cred.cap_permitted)),
        cap_inheritable: hex(Number(cred.cap_inheritable)),
        cap_bset: hex(Number(cred.cap_bset)),
        ...(cred.label === null ? {} : { label: cred.label }),
      },
      exe: task.mm.exe,
      pc: task.cpu.pc,
      fds: task.files.fds.map((fd) => {
        const file = image.openFiles.find((f) => f.objref === fd.objref);
        return {
          fd: fd.fd,
          objref: fd.objref,
          path: file?.path ?? '?',
          flags: file === undefined ? '?' : displayOpenFlags(file.f_flags),
          pos: file?.f_pos ?? 0,
          closeOnExec: fd.close_on_exec === 1,
        };
      }),
      vmas: task.vmas.map((vma) => ({
        start: hex(vma.vm_start),
        end: hex(vma.vm_end),
        prot: flagNames(vma.vm_page_prot, FLAG_NAMES.prot),
        flags: flagNames(vma.vm_flags, FLAG_NAMES.vm),
        file: vma.file,
        pages: vma.pages.length,
      })),
    };
  });
}

function treeLines(image: CheckpointImage): string[] {
  const lines: string[] = [];
  for (const task of taskTree(image)) {
    const pad = '  '.repeat(task.nsdepth + 1);
    const c = task.creds;
    lines.push(
      `${pad}vpid ${task.vpid} (ppid ${task.vppid}, nspid ${task.nspid}${task.nsInit ? ', init of its pid namespace' : ''}) ${task.comm} exe ${task.exe} pc ${task.pc}${task.dumpable ? '' : ' [not dumpable]'}`,
    );
    lines.push(
      `${pad}  uid ${c.uid}/${c.euid}/${c.suid}/${c.fsuid} gid ${c.gid}/${c.egid}/${c.sgid}/${c.fsgid} groups [${(c.groups as number[]).join(',')}]`,
    );
    const cred = image.tasks.find((t) => t.vpid === task.vpid)?.cred;
    if (cred !== undefined) {
      lines.push(
        `${pad}  caps eff ${displayCapabilities(cred.cap_effective)}; prm ${displayCapabilities(cred.cap_permitted)}; bset ${displayCapabilities(cred.cap_bset)}`,
      );
    }
    for (const fd of task.fds) {
      lines.push(
        `${pad}  fd ${fd.fd} -> ${fd.path} ${fd.flags} pos ${fd.pos} (objref ${fd.objref}${fd.closeOnExec ? ', cloexec' : ''})`,
      );
    }
    for (const vma of task.vmas) {
      lines.push(
        `${pad}  ${vma.start}-${vma.end} ${vma.prot} ${vma.flags} ${vma.file ?? '[anon]'} (${vma.pages} pages)`,
      );
    }
  }
  return lines;
}

export function imageShow(args: ParsedArgs, file: string): number {
  const bytes = readBytes(file);
  const verdict = readImage(bytes, { keys: { machine: defaultMachineKey() } });
  const index = indexRecords(memoryReader(bytes), bytes.length);
  const withPages = args.flags.has('pages');
  const records = index.entries.flatMap((entry) => {
    if (entry.kind !== 'record') return [];
    const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
    const fields: FieldNode[] = [];
    leaves(tree.root, fields);
    return [{ entry, fields, error: tree.error }];
  });
  const error = verdict.ok ? null : verdict.error;
  if (args.flags.has('json')) {
    printJson({
      file,
      size: bytes.length,
      valid: verdict.ok,
      error,
      signature: verdict.ok ? verdict.signature : null,
      records: records.map(({ entry, fields }) => ({
        offset: entry.offset,
        record: entry.name,
        len: entry.len,
        parent: entry.parent,
        fields: fields.map((f) => {
          const isPage = /^u8\[4096\]$/.test(f.type);
          return {
            field: f.path,
            type: f.type,
            offset: f.offset,
            size: f.size,
            value: isPage ? null : f.value,
            display: isPage ? `${f.size} bytes` : f.display,
            ...(isPage && withPages
              ? {
                  data: Buffer.from(bytes.subarray(f.offset, f.offset + f.size)).toString('base64'),
                }
              : {}),
          };
        }),
      })),
      ...(args.flags.has('tree') && verdict.ok ? { tree: taskTree(verdict.image) } : {}),
    });
  } else {
    const lines: string[] = [
      `${file}: ${bytes.length} bytes, ${records.length} records${verdict.ok ? `, valid${verdict.signature === 'none' ? '' : `, signature ${verdict.signature}`}` : ''}`,
    ];
    for (const { entry, fields } of records) {
      lines.push(
        `${hex(entry.offset).padStart(10)}  ${entry.name}  len ${entry.len}  parent ${entry.parent}`,
      );
      for (const f of fields) {
        if (f.path.startsWith('hdr.')) continue;
        const isPage = /^u8\[4096\]$/.test(f.type);
        const shown = isPage ? `${f.size} bytes` : f.display;
        lines.push(
          `${hex(f.offset).padStart(10)}    ${f.path.padEnd(28)} ${f.type.padEnd(16)} ${String(f.size).padStart(4)}  ${shown}`,
        );
        if (isPage && withPages) {
          const addrField = fields.find((a) => a.path === f.path.replace('pages', 'addrs'));
          const base = typeof addrField?.value === 'number' ? addrField.value : 0;
          lines.push(
            ...hexdump(bytes.subarray(f.offset, f.offset + f.size), base).map(
              (l) => `              ${l}`,
            ),
          );
        }
      }
    }
    if (args.flags.has('tree') && verdict.ok) {
      lines.push('task tree:');
      lines.push(...treeLines(verdict.image));
    }
    printLines(lines);
  }
  if (error !== null) throw new CliError(`${file}: ${formatImageError(error)}`, EXIT_FAILED);
  return EXIT_OK;
}
