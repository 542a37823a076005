/**
 * The dump as a tree for viewers (the image editor's CRIU view, `crlab criu show`): the
 * inventory, the processes (each with the files that describe it: core per thread, mm, pagemap
 * with its pages, fdinfo), then every other file. Nodes carry the file and byte range they
 * show, so a viewer can put the file's hex beside them. Children are built when asked for
 * (a dump of many processes opens at once), and {@link DumpTree.locate} finds the node that
 * holds any byte of any file. Pure: no DOM, no VS Code.
 */
import type { CriuNodeView } from '../../webview/criu-protocol';
import type { CriuDump, CriuFd, CriuProcess, PagemapRun } from './dump';
import { PAGE_SIZE } from './dump';
import { capabilitySetText, flagText, openFlagText } from './flags';
import type { DumpProblem, ImageEntry, ImageFile } from './image-file';
import { IMAGE_KINDS } from './magic';
import { bigintOf, fieldNamed, fieldsNamed, numberOf, stringOf, type WireField } from './wire';

/**
 * One row of the tree: exactly the row the dump viewer shows, so it is declared once, in the
 * viewer's protocol (a type only: nothing of the webview is bundled with this library).
 */
export type DumpNode = CriuNodeView;

/** Page rows listed under one pagemap run at most; the rest are one row. */
export const maxPageRows = 256;

/** Kinds whose files hold one entry: their fields sit right under the file's node. */
const singleEntryKinds = new Set(['inventory', 'core', 'creds', 'ids', 'mm', 'stats']);

const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

function protText(prot: number): string {
  return `${prot & 1 ? 'r' : '-'}${prot & 2 ? 'w' : '-'}${prot & 4 ? 'x' : '-'}`;
}

function plural(count: number | bigint, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 || count === 1n ? one : many}`;
}

/** What a process reads as in one line. */
export function processSummary(process: CriuProcess): string {
  const parts = [process.comm ?? '?'];
  const creds = process.creds;
  if (creds) {
    parts.push(
      creds.uid === creds.euid ? `uid ${creds.uid}` : `uid ${creds.uid} euid ${creds.euid}`,
    );
    if (creds.capEff !== 0n) parts.push(`caps ${capabilitySetText(creds.capEff)}`);
  }
  if (process.threads.length > 1) parts.push(plural(process.threads.length, 'thread'));
  return parts.join(' · ');
}

function vmaSummary(field: WireField, path: string | null): string {
  const inner = field.children;
  const start = bigintOf(fieldNamed(inner, 'start')) ?? 0n;
  const end = bigintOf(fieldNamed(inner, 'end')) ?? 0n;
  const prot = numberOf(fieldNamed(inner, 'prot')) ?? 0;
  const flags = numberOf(fieldNamed(inner, 'flags')) ?? 0;
  const status = numberOf(fieldNamed(inner, 'status')) ?? 0;
  const kind = (flags & 1) !== 0 ? 'shared' : 'private';
  const special = flagText(status, 'vmaStatus')
    .split(' | ')
    .filter((name) => /VSYSCALL|VDSO|VVAR|STACK|HEAP|SYSVIPC|SOCKET|AIORING|MEMFD/.test(name))
    .map((name) => name.replace(/^VMA_(AREA_)?/, '').toLowerCase());
  const what = path ?? (special.length > 0 ? `[${special.join(', ')}]` : 'anonymous');
  return `${hex(start)}–${hex(end)} ${protText(prot)} ${kind} ${what}`;
}

function credsSummary(fields: readonly WireField[]): string {
  const id = (name: string): number | null => numberOf(fieldNamed(fields, name));
  const words = (name: string): bigint => {
    let set = 0n;
    fieldsNamed(fields, name).forEach((field, index) => {
      if (index < 2) set |= BigInt.asUintN(32, bigintOf(field) ?? 0n) << BigInt(32 * index);
    });
    return set;
  };
  return `uid ${id('uid')}/${id('euid')}/${id('suid')}/${id('fsuid')} gid ${id('gid')}/${id('egid')}/${id('sgid')}/${id('fsgid')} · eff ${capabilitySetText(words('cap_eff'))}`;
}

function runSummary(run: PagemapRun, pagesFile: string | null): string {
  const flags = flagText(run.flags, 'pagemapFlags');
  const where =
    run.pagesOffset !== null && pagesFile !== null
      ? ` at ${hex(run.pagesOffset)} of ${pagesFile}`
      : '';
  return `${hex(run.vaddr)}, ${plural(run.nrPages, 'page')} (${flags})${where}`;
}

function fdSummary(fd: CriuFd): string {
  const reg = fd.file?.reg;
  const what = reg ? `${reg.path} ${openFlagText(reg.flags)}` : `${fd.type} id ${fd.id}`;
  return `fd ${fd.fd}: ${what}${fd.cloexec ? ' (cloexec)' : ''}`;
}

/** The one-line value of a field: its own display, or a summary of a known nested message. */
function fieldValue(field: WireField, context: FieldContext): string {
  if (field.children.length === 0) return field.display;
  if (field.name === 'vmas') {
    const vma = context.process?.vmas[field.index];
    return vmaSummary(field, vma?.path ?? null);
  }
  if (field.name === 'creds') return credsSummary(field.children);
  if (field.name === 'reg') return stringOf(fieldNamed(field.children, 'name')) ?? field.display;
  if (field.name === 'gpregs') {
    const ip = bigintOf(fieldNamed(field.children, 'ip'));
    const sp = bigintOf(fieldNamed(field.children, 'sp'));
    return `ip ${ip === null ? '?' : hex(ip)} sp ${sp === null ? '?' : hex(sp)}`;
  }
  if (field.name === 'tc') return stringOf(fieldNamed(field.children, 'comm')) ?? field.display;
  return field.display;
}

interface FieldContext {
  readonly process: CriuProcess | null;
}

/** The problems of a file, by file name, to mark nodes with. */
function problemsByFile(problems: readonly DumpProblem[]): Map<string, DumpProblem[]> {
  const byFile = new Map<string, DumpProblem[]>();
  for (const problem of problems) {
    const list = byFile.get(problem.file) ?? [];
    list.push(problem);
    byFile.set(problem.file, list);
  }
  return byFile;
}

/**
 * The tree of one dump. Build it once per dump; `roots()` gives the top rows, `children(key)`
 * those of any row already handed out, `locate(file, offset)` the keys from a root down to the
 * row that holds a byte (materialising the rows on the way).
 */
export class DumpTree {
  private readonly thunks = new Map<string, () => DumpNode[]>();
  private readonly built = new Map<string, DumpNode[]>();
  private readonly parents = new Map<string, string>();
  private readonly images: ReadonlyMap<string, ImageFile>;
  private readonly problems: ReadonlyMap<string, DumpProblem[]>;
  private readonly byPid: ReadonlyMap<number, CriuProcess>;
  /** The process whose node each file is shown under. */
  private readonly owner = new Map<string, CriuProcess>();
  private readonly topLevel: DumpNode[];
  /** Pagemap runs by pages file, in file order, for locating a page's bytes. */
  private readonly pagesRuns = new Map<
    string,
    { pagemap: string; entry: number; offset: number; pages: bigint; vaddr: bigint }[]
  >();

  constructor(readonly dump: CriuDump) {
    this.images = new Map(dump.images.map((image) => [image.name, image]));
    this.problems = problemsByFile(dump.problems);
    this.byPid = new Map(dump.processes.map((process) => [process.pid, process] as const));
    for (const process of dump.processes) {
      const mine = [
        ...process.threads.map((thread) => thread.core?.file),
        process.mm?.file,
        process.pagemap?.file,
        process.fdinfoFile,
        `creds-${process.pid}.img`,
        `ids-${process.pid}.img`,
      ];
      for (const name of mine)
        if (name && this.images.has(name) && !this.owner.has(name)) this.owner.set(name, process);
      const pagemap = process.pagemap;
      if (pagemap?.pagesFile) {
        const list = this.pagesRuns.get(pagemap.pagesFile) ?? [];
        for (const run of pagemap.runs)
          if (run.pagesOffset !== null)
            list.push({
              pagemap: pagemap.file,
              entry: run.source.entry,
              offset: run.pagesOffset,
              pages: run.nrPages,
              vaddr: run.vaddr,
            });
        this.pagesRuns.set(pagemap.pagesFile, list);
      }
    }
    this.topLevel = this.buildRoots();
  }

  roots(): readonly DumpNode[] {
    return this.topLevel;
  }

  /** The children of `key`, or undefined for a key not handed out yet (or with none). */
  children(key: string): readonly DumpNode[] | undefined {
    const done = this.built.get(key);
    if (done) return done;
    const thunk = this.thunks.get(key);
    if (!thunk) return undefined;
    const nodes = thunk();
    for (const node of nodes) this.parents.set(node.key, key);
    this.built.set(key, nodes);
    return nodes;
  }

  /** Keys from a root down to the deepest row holding byte `offset` of `file`, or null. */
  locate(file: string, offset: number): string[] | null {
    const start = this.homeOf(file, offset);
    if (start === null) return null;
    let key = start;
    // Down through the rows that hold the byte.
    for (let depth = 0; depth < 32; depth++) {
      const children = this.children(key) ?? [];
      const next = children.find(
        (child) =>
          child.file === file &&
          offset >= child.offset &&
          offset < child.offset + Math.max(child.size, 1),
      );
      if (!next) break;
      key = next.key;
    }
    const path = [key];
    for (
      let parent = this.parents.get(key);
      parent !== undefined;
      parent = this.parents.get(parent)
    )
      path.unshift(parent);
    return path;
  }

  /** Every row, depth first, with its depth (children of every row built): for the CLI. */
  *walk(
    include: (node: DumpNode) => boolean = () => true,
  ): Generator<{ node: DumpNode; depth: number }> {
    const stack: { node: DumpNode; depth: number }[] = [...this.topLevel]
      .reverse()
      .map((node) => ({ node, depth: 0 }));
    while (stack.length > 0) {
      const item = stack.pop() as { node: DumpNode; depth: number };
      yield item;
      if (!item.node.hasChildren || !include(item.node)) continue;
      const children = this.children(item.node.key) ?? [];
      for (let i = children.length - 1; i >= 0; i--)
        stack.push({ node: children[i] as DumpNode, depth: item.depth + 1 });
    }
  }

  // ---- building -------------------------------------------------------------------------------

  private node(
    fields: Omit<DumpNode, 'hasChildren' | 'known' | 'problem'> & {
      known?: boolean;
      problem?: string | null;
    },
    children?: () => DumpNode[],
  ): DumpNode {
    if (children) this.thunks.set(fields.key, children);
    return {
      known: true,
      problem: null,
      ...fields,
      hasChildren: children !== undefined,
    };
  }

  /** The first problem of `file` inside `[offset, offset + size)`, or with exactly `field`. */
  private problemIn(file: string, offset: number, size: number, field?: string): string | null {
    const found = (this.problems.get(file) ?? []).find((problem) =>
      field !== undefined
        ? problem.field === field || problem.field === `${field} (tag)`
        : problem.offset >= offset && problem.offset < offset + Math.max(size, 1),
    );
    return found ? `${found.field}: ${found.message}` : null;
  }

  private buildRoots(): DumpNode[] {
    const roots: DumpNode[] = [];
    const inventory = this.images.get('inventory.img');
    if (inventory) roots.push(this.fileNode(inventory, null));
    const processes = this.dump.processes;
    if (processes.length > 0) {
      roots.push(
        this.node(
          {
            key: 'sec:processes',
            label: 'Processes',
            value: `${plural(processes.length, 'process', 'processes')} from pstree.img`,
            type: 'section',
            file: null,
            offset: 0,
            size: 0,
          },
          () => this.dump.roots.flatMap((pid) => this.processNode(pid)),
        ),
      );
    }
    const others = this.dump.images.filter(
      (image) => image.name !== 'inventory.img' && !this.owner.has(image.name),
    );
    const count = others.length + this.dump.rawFiles.length;
    roots.push(
      this.node(
        {
          key: 'sec:files',
          label: 'Files',
          value: `${plural(count, 'other file')} of the directory`,
          type: 'section',
          file: null,
          offset: 0,
          size: 0,
        },
        () => [
          ...others.map((image) => this.fileNode(image, null)),
          ...this.dump.rawFiles.map((raw) =>
            this.node(
              {
                key: `file:${raw.name}`,
                label: raw.name,
                value:
                  raw.role === 'pages'
                    ? 'raw page contents (see each pagemap)'
                    : raw.role === 'not-image'
                      ? 'not an image'
                      : 'not decoded',
                type: raw.role === 'pages' ? 'pages' : 'file',
                file: raw.name,
                offset: 0,
                size: raw.size,
                problem: this.problemIn(raw.name, 0, Math.max(raw.size, 1)),
              },
              raw.role === 'pages' ? () => this.pagesFileRows(raw.name) : undefined,
            ),
          ),
        ],
      ),
    );
    return roots;
  }

  private processNode(pid: number, depth = 0): DumpNode[] {
    const process = this.byPid.get(pid);
    if (!process || depth > 1000) return [];
    return [
      this.node(
        {
          key: `p:${pid}`,
          label: `pid ${pid}`,
          value: processSummary(process),
          type: 'process',
          file: process.pstree.file,
          offset: process.pstree.offset,
          size: this.images.get(process.pstree.file)?.entries[process.pstree.entry]?.size ?? 0,
          problem: this.problemIn(
            process.pstree.file,
            process.pstree.offset,
            this.images.get(process.pstree.file)?.entries[process.pstree.entry]?.size ?? 0,
          ),
        },
        () => {
          const names = [
            ...process.threads.map((thread) => thread.core?.file),
            `creds-${pid}.img`,
            `ids-${pid}.img`,
            process.mm?.file,
            process.pagemap?.file,
            process.fdinfoFile,
          ];
          const files: DumpNode[] = [];
          const seen = new Set<string>();
          for (const name of names) {
            if (!name || seen.has(name) || this.owner.get(name) !== process) continue;
            seen.add(name);
            const image = this.images.get(name);
            if (image) files.push(this.fileNode(image, process));
          }
          return [
            ...files,
            ...process.children.flatMap((child) => this.processNode(child, depth + 1)),
          ];
        },
      ),
    ];
  }

  private fileLabelValue(image: ImageFile, process: CriuProcess | null): string {
    const kind = image.kind;
    if (kind === 'core') {
      const tid = Number(/^core-(\d+)\.img$/.exec(image.name)?.[1] ?? NaN);
      const tc = fieldNamed(image.entries[0]?.message.fields, 'tc');
      const comm = stringOf(fieldNamed(tc?.children, 'comm')) ?? '?';
      return tid === process?.pid ? `thread leader ${tid}: ${comm}` : `thread ${tid}: ${comm}`;
    }
    if (kind === 'mm' && process)
      return `${plural(process.vmas.length, 'mapping')}, exe ${process.exe ?? '?'}`;
    if (kind === 'pagemap' && process?.pagemap) {
      const pagemap = process.pagemap;
      return `${plural(pagemap.runs.length, 'run')}, ${plural(pagemap.presentPages, 'page')} in ${pagemap.pagesFile ?? 'no pages file'}`;
    }
    if (kind === 'fdinfo' && process) return plural(process.fds.length, 'descriptor');
    if (kind === 'inventory') {
      const inventory = this.dump.inventory;
      return inventory
        ? `img_version ${inventory.imgVersion ?? '?'}${inventory.lsmType ? `, LSM ${inventory.lsmType}` : ''}`
        : '';
    }
    return plural(image.entries.length, 'entry', 'entries');
  }

  private fileNode(image: ImageFile, process: CriuProcess | null): DumpNode {
    const kindName = image.kind === null ? null : IMAGE_KINDS[image.kind].magic;
    const magic = image.header[image.header.length - 1]?.name ?? null;
    return this.node(
      {
        key: `file:${image.name}`,
        label: image.name,
        value: this.fileLabelValue(image, process),
        type: `${kindName ?? magic ?? 'unknown'} image`,
        file: image.name,
        offset: 0,
        size: image.size,
        problem: this.problemIn(image.name, 0, Math.max(image.size, 1)),
      },
      () => this.fileChildren(image, process),
    );
  }

  private fileChildren(image: ImageFile, process: CriuProcess | null): DumpNode[] {
    const rows: DumpNode[] = [];
    const headerSize = image.header.length * 4;
    if (image.header.length > 0) {
      rows.push(
        this.node(
          {
            key: `hdr:${image.name}`,
            label: 'magic',
            value: image.header
              .map((word) => `${hex(word.value)}${word.name ? ` ${word.name}` : ''}`)
              .join(', '),
            type: image.header.length === 1 ? 'u32' : 'u32 × 2',
            file: image.name,
            offset: 0,
            size: headerSize,
            problem: this.problemIn(image.name, 0, headerSize),
          },
          () =>
            image.header.map((word, index) =>
              this.node({
                key: `hdr:${image.name}:${index}`,
                label: index === 0 && image.header.length === 2 ? 'common magic' : 'magic',
                value: `${hex(word.value)}${word.name ? ` (${word.name})` : ''}`,
                type: 'u32',
                file: image.name,
                offset: word.offset,
                size: 4,
              }),
            ),
        ),
      );
    }
    const single =
      image.kind !== null && singleEntryKinds.has(image.kind) && image.entries.length === 1;
    for (const entry of image.entries) {
      if (single) rows.push(...this.entryChildren(image, entry, process));
      else rows.push(this.entryNode(image, entry, process));
    }
    return rows;
  }

  private entrySummary(image: ImageFile, entry: ImageEntry, process: CriuProcess | null): string {
    const fields = entry.message.fields;
    switch (image.kind) {
      case 'pstree': {
        const pid = numberOf(fieldNamed(fields, 'pid'));
        const found = pid === null ? undefined : this.byPid.get(pid);
        return `pid ${pid ?? '?'} ppid ${numberOf(fieldNamed(fields, 'ppid')) ?? '?'}${found?.comm ? ` ${found.comm}` : ''}`;
      }
      case 'pagemap': {
        if (entry.index === 0) return `pages_id ${numberOf(fieldNamed(fields, 'pages_id')) ?? '?'}`;
        const run = process?.pagemap?.runs[entry.index - 1];
        return run ? runSummary(run, process?.pagemap?.pagesFile ?? null) : '';
      }
      case 'fdinfo': {
        const fd = process?.fds[entry.index];
        return fd ? fdSummary(fd) : `fd ${numberOf(fieldNamed(fields, 'fd')) ?? '?'}`;
      }
      case 'files':
      case 'reg-files': {
        const id = numberOf(fieldNamed(fields, 'id'));
        const object = id === null ? undefined : this.dump.files.get(id);
        return `id ${id ?? '?'} ${object?.type ?? ''} ${object?.reg?.path ?? ''}`.trim();
      }
      default:
        return plural(fields.length, 'field');
    }
  }

  private entryNode(image: ImageFile, entry: ImageEntry, process: CriuProcess | null): DumpNode {
    return this.node(
      {
        key: `e:${image.name}#${entry.index}`,
        label: `#${entry.index}`,
        value: this.entrySummary(image, entry, process),
        type: entry.message.type,
        file: image.name,
        offset: entry.offset,
        size: entry.size,
        problem: this.problemIn(image.name, entry.offset, entry.size),
      },
      () => this.entryChildren(image, entry, process),
    );
  }

  private entryChildren(
    image: ImageFile,
    entry: ImageEntry,
    process: CriuProcess | null,
  ): DumpNode[] {
    const base = `${image.name}#${entry.index}`;
    const rows: DumpNode[] = [
      this.node({
        key: `size:${base}`,
        label: 'size',
        value: `${entry.payloadSize}`,
        type: 'u32',
        file: image.name,
        offset: entry.offset,
        size: 4,
        problem: this.problemIn(image.name, entry.offset, 4, `entry[${entry.index}].size`),
      }),
      ...entry.message.fields.map((field) => this.fieldNode(image.name, base, field, { process })),
    ];
    if (entry.extra) {
      rows.push(
        this.node({
          key: `extra:${base}`,
          label: 'data',
          value: plural(entry.extra.size, 'byte'),
          type: 'raw bytes',
          file: image.name,
          offset: entry.extra.offset,
          size: entry.extra.size,
        }),
      );
    }
    if (image.kind === 'pagemap' && entry.index > 0 && process?.pagemap) {
      const run = process.pagemap.runs[entry.index - 1];
      const pagesFile = process.pagemap.pagesFile;
      if (run && run.pagesOffset !== null && pagesFile !== null)
        rows.push(this.pagesNode(pagesFile, image.name, entry.index, run));
    }
    return rows;
  }

  private fieldNode(file: string, base: string, field: WireField, context: FieldContext): DumpNode {
    const children = field.children;
    return this.node(
      {
        key: `f:${base}:${field.path}`,
        label: field.path.slice(field.path.lastIndexOf('.') + 1),
        value: fieldValue(field, context),
        type: field.type,
        file,
        offset: field.offset,
        size: field.size,
        known: field.known,
        problem: this.problemIn(file, field.offset, field.size, field.path),
      },
      children.length > 0
        ? () => children.map((child) => this.fieldNode(file, base, child, context))
        : undefined,
    );
  }

  private pagesNode(pagesFile: string, pagemap: string, entry: number, run: PagemapRun): DumpNode {
    const offset = run.pagesOffset ?? 0;
    const size = Number(run.nrPages) * PAGE_SIZE;
    return this.node(
      {
        key: `pages:${pagemap}#${entry}`,
        label: 'pages',
        value: `${plural(run.nrPages, 'page')} in ${pagesFile}`,
        type: 'memory',
        file: pagesFile,
        offset,
        size,
      },
      () => this.pageRows(pagesFile, pagemap, entry, run.vaddr, offset, run.nrPages),
    );
  }

  private pageRows(
    pagesFile: string,
    pagemap: string,
    entry: number,
    vaddr: bigint,
    offset: number,
    pages: bigint,
  ): DumpNode[] {
    const shown = Number(pages < BigInt(maxPageRows) ? pages : BigInt(maxPageRows));
    const rows: DumpNode[] = [];
    for (let page = 0; page < shown; page++) {
      rows.push(
        this.node({
          key: `page:${pagemap}#${entry}:${page}`,
          label: `page ${hex(vaddr + BigInt(page * PAGE_SIZE))}`,
          value: `${pagesFile} at ${hex(offset + page * PAGE_SIZE)}`,
          type: '4 KiB page',
          file: pagesFile,
          offset: offset + page * PAGE_SIZE,
          size: PAGE_SIZE,
        }),
      );
    }
    if (pages > BigInt(shown)) {
      const rest = Number(pages) - shown;
      rows.push(
        this.node({
          key: `page:${pagemap}#${entry}:rest`,
          label: `pages ${hex(vaddr + BigInt(shown * PAGE_SIZE))}…`,
          value: `${plural(rest, 'more page')} from ${hex(offset + shown * PAGE_SIZE)} of ${pagesFile}`,
          type: 'memory',
          file: pagesFile,
          offset: offset + shown * PAGE_SIZE,
          size: rest * PAGE_SIZE,
        }),
      );
    }
    return rows;
  }

  /** A pages file's own rows (under Files): one per run that has its pages there. */
  private pagesFileRows(pagesFile: string): DumpNode[] {
    return (this.pagesRuns.get(pagesFile) ?? []).map((run) =>
      this.node({
        key: `run:${pagesFile}@${run.offset}`,
        label: `${hex(run.vaddr)}`,
        value: `${plural(run.pages, 'page')} of ${run.pagemap} #${run.entry}`,
        type: 'memory',
        file: pagesFile,
        offset: run.offset,
        size: Number(run.pages) * PAGE_SIZE,
      }),
    );
  }

  /** The key to start locating a byte of `file` from (materialising the rows above it). */
  private homeOf(file: string, offset: number): string | null {
    const ensure = (...keys: string[]): void => {
      for (const key of keys) this.children(key);
    };
    const owner = this.owner.get(file);
    if (owner) {
      // Processes section, then every ancestor process down to the owner.
      const chain: number[] = [];
      const byPid = this.byPid;
      const roots = new Set(this.dump.roots);
      for (let p: CriuProcess | undefined = owner; p && chain.length < 1000;) {
        chain.unshift(p.pid);
        if (roots.has(p.pid)) break;
        p = byPid.get(p.ppid);
      }
      ensure('sec:processes', ...chain.map((pid) => `p:${pid}`));
      return this.thunks.has(`file:${file}`) ? `file:${file}` : null;
    }
    if (file === 'inventory.img') return 'file:inventory.img';
    ensure('sec:files');
    if (this.pagesRuns.has(file)) {
      // A page's bytes: the pagemap run they belong to, under its process.
      const run = this.pagesRuns
        .get(file)
        ?.find((r) => offset >= r.offset && offset < r.offset + Number(r.pages) * PAGE_SIZE);
      if (run) {
        const home = this.homeOf(run.pagemap, 0);
        if (home !== null) {
          ensure(home, `e:${run.pagemap}#${run.entry}`, `pages:${run.pagemap}#${run.entry}`);
          return `pages:${run.pagemap}#${run.entry}`;
        }
      }
    }
    return this.thunks.has(`file:${file}`) || this.parents.has(`file:${file}`)
      ? `file:${file}`
      : null;
  }
}
