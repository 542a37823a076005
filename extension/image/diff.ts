/**
 * What differs between two valid images, by meaning rather than by byte: header, task tree,
 * credentials, mappings, descriptors and open files, and pages by address (`crlab image diff`,
 * the editor's Compare Image with…). Pure: decoded images in, differences out.
 */
import { toHex } from './byte-text';
import type { CheckpointImage, TaskImage } from './model';

export interface Difference {
  /** Where: `head.flags`, `task 42 cred.euid`, `task 42 vma 0x600000 vm_page_prot`, `task 42 page 0x601000`. */
  path: string;
  a: string | number | null;
  b: string | number | null;
}

type Scalar = string | number | bigint | null;

function show(value: Scalar | undefined): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  return value;
}

function compareFields(
  out: Difference[],
  prefix: string,
  a: object,
  b: object,
  skip: readonly string[] = [],
): void {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (skip.includes(key) || key === 'offset') continue;
    const va = (a as Record<string, unknown>)[key];
    const vb = (b as Record<string, unknown>)[key];
    if (Array.isArray(va) || Array.isArray(vb)) {
      const sa = JSON.stringify(va ?? null);
      const sb = JSON.stringify(vb ?? null);
      if (sa !== sb) out.push({ path: `${prefix}${key}`, a: sa, b: sb });
      continue;
    }
    if (va !== vb)
      out.push({ path: `${prefix}${key}`, a: show(va as Scalar), b: show(vb as Scalar) });
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function pageDigest(data: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of data) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function compareTask(
  out: Difference[],
  a: TaskImage,
  b: TaskImage,
  aImage: CheckpointImage,
  bImage: CheckpointImage,
): void {
  const prefix = `task ${a.vpid} `;
  compareFields(out, `${prefix}task.`, a.task, b.task);
  compareFields(out, `${prefix}cred.`, a.cred, b.cred);
  compareFields(out, `${prefix}mm.`, a.mm, b.mm);
  compareFields(out, `${prefix}cpu.`, a.cpu, b.cpu);
  const vmasA = new Map(a.vmas.map((v) => [v.vm_start, v]));
  const vmasB = new Map(b.vmas.map((v) => [v.vm_start, v]));
  for (const [start, vma] of vmasA) {
    const other = vmasB.get(start);
    if (other === undefined) {
      out.push({
        path: `${prefix}vma ${hex(start)}`,
        a: `${hex(vma.vm_start)}-${hex(vma.vm_end)}`,
        b: null,
      });
      continue;
    }
    compareFields(out, `${prefix}vma ${hex(start)} `, vma, other, ['pages']);
    const pagesA = new Map(vma.pages.map((p) => [p.addr, pageDigest(p.data)]));
    const pagesB = new Map(other.pages.map((p) => [p.addr, pageDigest(p.data)]));
    for (const addr of [...new Set([...pagesA.keys(), ...pagesB.keys()])].sort((x, y) => x - y)) {
      const da = pagesA.get(addr);
      const db = pagesB.get(addr);
      if (da !== db)
        out.push({
          path: `${prefix}page ${hex(addr)}`,
          a: da === undefined ? null : `fnv1a ${da}`,
          b: db === undefined ? null : `fnv1a ${db}`,
        });
    }
  }
  for (const [start, vma] of vmasB) {
    if (!vmasA.has(start))
      out.push({
        path: `${prefix}vma ${hex(start)}`,
        a: null,
        b: `${hex(vma.vm_start)}-${hex(vma.vm_end)}`,
      });
  }
  const describeFd = (image: CheckpointImage, objref: number): string => {
    const file = image.openFiles.find((f) => f.objref === objref);
    return file === undefined
      ? `objref ${objref}`
      : `${file.path} flags ${hex(file.f_flags)} pos ${file.f_pos}${file.label === null ? '' : ` label ${file.label}`} (objref ${objref})`;
  };
  const fdsA = new Map(a.files.fds.map((f) => [f.fd, f]));
  const fdsB = new Map(b.files.fds.map((f) => [f.fd, f]));
  for (const fd of [...new Set([...fdsA.keys(), ...fdsB.keys()])].sort((x, y) => x - y)) {
    const fa = fdsA.get(fd);
    const fb = fdsB.get(fd);
    const sa =
      fa === undefined
        ? null
        : `${describeFd(aImage, fa.objref)}${fa.close_on_exec ? ' cloexec' : ''}`;
    const sb =
      fb === undefined
        ? null
        : `${describeFd(bImage, fb.objref)}${fb.close_on_exec ? ' cloexec' : ''}`;
    if (sa !== sb) out.push({ path: `${prefix}fd ${fd}`, a: sa, b: sb });
  }
}

/** Every difference between `a` and `b`, in a stable order (header, tree, tasks, signature). */
export function diffImages(a: CheckpointImage, b: CheckpointImage): Difference[] {
  const out: Difference[] = [];
  compareFields(out, 'head.', a.head, b.head);
  if (a.lsm !== b.lsm) out.push({ path: 'lsm', a: a.lsm, b: b.lsm });
  const treeA = new Map(a.tree.map((e) => [e.vpid, e]));
  const treeB = new Map(b.tree.map((e) => [e.vpid, e]));
  for (const [vpid, entry] of treeA) {
    const other = treeB.get(vpid);
    if (other === undefined)
      out.push({ path: `tree vpid ${vpid}`, a: `ppid ${entry.vppid}`, b: null });
    else compareFields(out, `tree vpid ${vpid} `, entry, other);
  }
  for (const [vpid, entry] of treeB) {
    if (!treeA.has(vpid))
      out.push({ path: `tree vpid ${vpid}`, a: null, b: `ppid ${entry.vppid}` });
  }
  const tasksB = new Map(b.tasks.map((t) => [t.vpid, t]));
  for (const task of a.tasks) {
    const other = tasksB.get(task.vpid);
    if (other !== undefined) compareTask(out, task, other, a, b);
  }
  const signA = a.sign === null ? null : `${a.sign.key_id} ${toHex(a.sign.sig)}`;
  const signB = b.sign === null ? null : `${b.sign.key_id} ${toHex(b.sign.sig)}`;
  if (signA !== signB) out.push({ path: 'sign', a: signA, b: signB });
  return out;
}
