/**
 * `crlab criu show DIR [--json] [--pages]`: a CRIU dump directory read-only, in the `crlab image
 * show` habit (and crit's `show` / `x DIR ps`): the process tree, then every file, entry and
 * field with its offset, type, size and value, unknown fields included; problems last, each with
 * file, offset and field (exit 1 when there are any).
 */
import {
  DumpTree,
  capabilitySetText,
  openFlagText,
  processSummary,
  readDump,
  type CriuDump,
  type CriuProcess,
  type DumpNode,
  type WireField,
} from '../../criu/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, printLines } from '../io';
import type { ParsedArgs } from '../args';
import { dumpDirectory } from './criu-directory';
import { hexdump } from './image-show';

const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

/** A value JSON can hold: u64s above 2^53 as decimal strings, bytes as hex. */
function jsonValue(value: WireField['value']): number | string | boolean | null {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Uint8Array)
    return Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return value;
}

function fieldJson(field: WireField): Record<string, unknown> {
  return {
    field: field.path,
    no: field.no,
    type: field.type,
    known: field.known,
    offset: field.offset,
    size: field.size,
    value: jsonValue(field.value),
    display: field.display,
    ...(field.children.length > 0 ? { fields: field.children.map(fieldJson) } : {}),
  };
}

function processJson(process: CriuProcess): Record<string, unknown> {
  const creds = process.creds;
  return {
    pid: process.pid,
    ppid: process.ppid,
    pgid: process.pgid,
    sid: process.sid,
    comm: process.comm,
    state: process.taskState,
    arch: process.arch,
    threads: process.threads.map((t) => ({ tid: t.tid, core: t.core?.file ?? null })),
    creds:
      creds === null
        ? null
        : {
            uid: creds.uid,
            gid: creds.gid,
            euid: creds.euid,
            egid: creds.egid,
            suid: creds.suid,
            sgid: creds.sgid,
            fsuid: creds.fsuid,
            fsgid: creds.fsgid,
            cap_inh: hex(creds.capInh),
            cap_prm: hex(creds.capPrm),
            cap_eff: hex(creds.capEff),
            cap_bnd: hex(creds.capBnd),
            cap_amb: creds.capAmb === null ? null : hex(creds.capAmb),
            cap_eff_names: capabilitySetText(creds.capEff),
            secbits: creds.secbits,
            groups: creds.groups,
            lsm_profile: creds.lsmProfile,
            no_new_privs: creds.noNewPrivs,
            file: creds.source.file,
            offset: creds.source.offset,
          },
    exe: process.exe,
    dumpable: process.dumpable,
    vmas: process.vmas.map((vma) => ({
      start: hex(vma.start),
      end: hex(vma.end),
      prot: vma.prot,
      flags: vma.flags,
      status: vma.status,
      path: vma.path,
      file: vma.source.file,
      offset: vma.source.offset,
    })),
    fds: process.fds.map((fd) => ({
      fd: fd.fd,
      type: fd.type,
      id: fd.id,
      cloexec: fd.cloexec,
      path: fd.file?.reg?.path ?? null,
      flags: fd.file?.reg ? openFlagText(fd.file.reg.flags) : null,
      file: fd.source.file,
      offset: fd.source.offset,
    })),
    pagemap:
      process.pagemap === null
        ? null
        : {
            file: process.pagemap.file,
            pagesFile: process.pagemap.pagesFile,
            presentPages: process.pagemap.presentPages,
            runs: process.pagemap.runs.map((run) => ({
              vaddr: hex(run.vaddr),
              nrPages: jsonValue(run.nrPages),
              countField: run.countField,
              flags: run.flags,
              pagesOffset: run.pagesOffset,
              offset: run.source.offset,
            })),
          },
    children: process.children,
  };
}

/** The whole dump as JSON (docs/criu.md). */
export function dumpJson(directory: string, dump: CriuDump): Record<string, unknown> {
  return {
    directory,
    inventory: dump.inventory,
    processes: dump.processes.map(processJson),
    roots: dump.roots,
    files: dump.images.map((image) => ({
      name: image.name,
      size: image.size,
      kind: image.kind,
      header: image.header,
      entries: image.entries.map((entry) => ({
        index: entry.index,
        offset: entry.offset,
        size: entry.size,
        message: entry.message.type,
        payloadOffset: entry.payloadOffset,
        payloadSize: entry.payloadSize,
        fields: entry.message.fields.map(fieldJson),
        ...(entry.extra ? { extra: entry.extra } : {}),
      })),
    })),
    rawFiles: dump.rawFiles,
    problems: dump.problems,
  };
}

function processLines(dump: CriuDump): string[] {
  const byPid = new Map(dump.processes.map((p) => [p.pid, p] as const));
  const lines: string[] = [];
  const visit = (pid: number, depth: number): void => {
    const process = byPid.get(pid);
    if (!process || depth > 256) return;
    lines.push(`${'  '.repeat(depth + 1)}pid ${pid}: ${processSummary(process)}`);
    for (const child of process.children) visit(child, depth + 1);
  };
  for (const root of dump.roots) visit(root, 0);
  return lines;
}

function nodeLine(node: DumpNode, depth: number): string {
  const offset = node.file === null ? '' : hex(node.offset);
  const unknown = node.known ? '' : ' (unknown to our schema)';
  const problem = node.problem === null ? '' : `  !! ${node.problem}`;
  return `${offset.padStart(10)}  ${'  '.repeat(depth)}${node.label}  [${node.type}${node.size > 0 ? `, ${node.size} B` : ''}]  ${node.value}${unknown}${problem}`;
}

export function criuShow(args: ParsedArgs, directory: string): number {
  const source = dumpDirectory(directory);
  const dump = readDump(source);
  if (args.flags.has('json')) {
    printJson(dumpJson(directory, dump));
  } else {
    const withPages = args.flags.has('pages');
    const inventory = dump.inventory;
    const lines = [
      `${directory}: CRIU dump${inventory ? `, img_version ${inventory.imgVersion ?? '?'}` : ''}, ${source.files.length} files, ${dump.processes.length} processes, ${dump.problems.length} problems`,
    ];
    if (dump.processes.length > 0) lines.push('process tree:', ...processLines(dump));
    const tree = new DumpTree(dump);
    for (const { node, depth } of tree.walk(
      (n) => withPages || !(n.key.startsWith('pages:') || n.type === 'pages'),
    )) {
      lines.push(nodeLine(node, depth));
      if (withPages && node.key.startsWith('page:') && node.file !== null && node.size <= 4096) {
        const bytes = source.read(node.file, node.offset, node.size) ?? new Uint8Array(0);
        const base = Number(/^page (0x[0-9a-f]+)$/.exec(node.label)?.[1] ?? node.offset);
        lines.push(...hexdump(bytes, base).map((line) => `${' '.repeat(12)}${line}`));
      }
    }
    if (dump.problems.length > 0) {
      lines.push('problems:');
      for (const p of dump.problems)
        lines.push(`  ${p.file} at ${hex(p.offset)} (${p.field}): ${p.message}`);
    }
    printLines(lines);
  }
  const first = dump.problems[0];
  if (first !== undefined) {
    throw new CliError(
      `${directory}: ${dump.problems.length} problem${dump.problems.length === 1 ? '' : 's'}, the first: ${first.file} at ${hex(first.offset)} (${first.field}): ${first.message}`,
      EXIT_FAILED,
    );
  }
  return EXIT_OK;
}
