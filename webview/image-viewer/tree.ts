/**
 * The viewer's tree, as data: image-level records, then the task tree (each task with its
 * records, records nested the way the stream nests them: VMAs under MM, pages under their VMA,
 * descriptors under FILES), then the closing records and any damaged tail. `visibleRows`
 * flattens what is expanded into the rows the virtual list shows. Pure, no DOM.
 */
import * as l10n from '@vscode/l10n';
import type { FieldView, ImageView, ProblemView, RecordFieldsView, RecordView } from '../protocol';

/** A record and the records the stream puts under it. */
export interface RecordNode {
  readonly record: RecordView;
  readonly children: RecordNode[];
}

/** One task: the records from its TASK to its CPU, and its child tasks. */
export interface TaskNode {
  /** `t:<index of the TASK record>` (vpids of a damaged image need not be unique). */
  readonly key: string;
  readonly vpid: number;
  readonly first: RecordView;
  readonly records: RecordNode[];
  readonly children: TaskNode[];
}

/** The image arranged as the tree shows it. */
export interface ImageTree {
  /** HEAD, LSM_INFO, TREE: records before the first task. */
  readonly leading: RecordNode[];
  /** Root tasks (several when the TREE is not known yet or is damaged). */
  readonly tasks: TaskNode[];
  /** SIGN, TAIL, ERROR and anything after the tasks. */
  readonly trailing: RecordNode[];
  /** Bytes after the last whole record (a cut or corrupt tail), or null. */
  readonly damage: { readonly offset: number; readonly size: number } | null;
}

/** Records that stand at image level (parent 0), never inside a task. */
const imageLevel = new Set(['HEAD', 'LSM_INFO', 'TREE', 'SIGN', 'TAIL', 'ERROR']);
/** Records that describe the record before them (a name, a path, a label, a group list). */
const attachments = new Set(['STRING', 'FNAME', 'SECURITY', 'GROUPINFO']);

/** Which earlier record type a record nests under, by the stream's order. */
const nestsUnder: Readonly<Record<string, readonly string[]>> = {
  VMA: ['MM'],
  PGARR: ['VMA'],
  FD_ENT: ['FILES'],
  FD_DATA: ['FD_ENT'],
};

/** vppid by vpid from the TREE record's fields (empty until they arrive). */
export function parentsFromTree(fields: RecordFieldsView | undefined): Map<number, number> {
  const parents = new Map<number, number>();
  const tasks = fields?.fields.find((field) => field.name === 'tasks');
  for (const entry of tasks?.children ?? []) {
    const vpid = entry.children.find((child) => child.name === 'vpid');
    const vppid = entry.children.find((child) => child.name === 'vppid');
    if (vpid && vppid) parents.set(Number(vpid.value), Number(vppid.value));
  }
  return parents;
}

/** Arranges `records` into the tree; `parents` maps vpid to vppid (see {@link parentsFromTree}). */
export function buildTree(
  records: readonly RecordView[],
  byteLength: number,
  parents: ReadonlyMap<number, number>,
): ImageTree {
  const leading: RecordNode[] = [];
  const trailing: RecordNode[] = [];
  const flatTasks: TaskNode[] = [];
  let task: TaskNode | null = null;
  /** The last record of each type in the current task, for nesting. */
  let lastOfType = new Map<string, RecordNode>();
  let lastOwner: RecordNode | null = null;
  for (const record of records) {
    const node: RecordNode = { record, children: [] };
    if (record.name === 'TASK') {
      task = {
        key: `t:${record.index}`,
        vpid: record.parent,
        first: record,
        records: [node],
        children: [],
      };
      flatTasks.push(task);
      lastOfType = new Map([['TASK', node]]);
      lastOwner = node;
      continue;
    }
    if (attachments.has(record.name) && lastOwner) {
      // A SECURITY after GROUPINFO still belongs to CRED: attachments never own anything.
      lastOwner.children.push(node);
      continue;
    }
    if (imageLevel.has(record.name) || !task) {
      (flatTasks.length > 0 ? trailing : leading).push(node);
      // After the tasks, a record ends the last one (SIGN, TAIL, ERROR).
      task = null;
      lastOwner = record.name === 'ERROR' ? node : null;
      continue;
    }
    const owners = nestsUnder[record.name] ?? [];
    const owner = owners.map((name) => lastOfType.get(name)).find((found) => found !== undefined);
    if (owner) owner.children.push(node);
    else task.records.push(node);
    lastOfType.set(record.name, node);
    lastOwner = node;
  }
  // Nest tasks by vppid; a task whose parent is unknown stays at the root.
  const byVpid = new Map<number, TaskNode>();
  for (const node of flatTasks) if (!byVpid.has(node.vpid)) byVpid.set(node.vpid, node);
  const roots: TaskNode[] = [];
  for (const node of flatTasks) {
    const parentVpid = parents.get(node.vpid);
    const parent = parentVpid === undefined ? undefined : byVpid.get(parentVpid);
    if (parent && parent !== node && parent.first.index < node.first.index)
      parent.children.push(node);
    else roots.push(node);
  }
  const last = records[records.length - 1];
  const end = last ? last.offset + last.size : 0;
  const damage = end < byteLength ? { offset: end, size: byteLength - end } : null;
  return { leading, tasks: roots, trailing, damage };
}

/** One row of the tree as the virtual list shows it. */
export type TreeRow =
  | {
      readonly kind: 'task';
      readonly key: string;
      readonly depth: number;
      readonly task: TaskNode;
      readonly expanded: boolean;
    }
  | {
      readonly kind: 'record';
      readonly key: string;
      readonly depth: number;
      readonly record: RecordView;
      readonly expanded: boolean;
      readonly problem: ProblemView | null;
    }
  | {
      readonly kind: 'field';
      readonly key: string;
      readonly depth: number;
      readonly record: RecordView;
      readonly field: FieldView;
      /** Null for a leaf. */
      readonly expanded: boolean | null;
      readonly problem: ProblemView | null;
    }
  | {
      readonly kind: 'note';
      readonly key: string;
      readonly depth: number;
      readonly text: string;
      readonly tone: 'loading' | 'error';
    }
  | {
      readonly kind: 'damage';
      readonly key: string;
      readonly depth: number;
      readonly offset: number;
      readonly size: number;
      readonly problem: ProblemView | null;
    };

/** Keys of tree rows: stable across re-renders and document versions. */
export const rowKey = {
  task: (first: RecordView): string => `t:${first.index}`,
  record: (index: number): string => `r:${index}`,
  field: (index: number, path: string): string => `f:${index}:${path}`,
  damage: 'damage',
};

/** The record that holds byte `offset` (page data included), by binary search. */
export function recordAt(records: readonly RecordView[], offset: number): RecordView | undefined {
  let low = 0;
  let high = records.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const record = records[middle];
    if (!record) break;
    if (offset < record.offset) high = middle - 1;
    else if (offset >= record.offset + record.size) low = middle + 1;
    else return record;
  }
  return undefined;
}

/** The chain of fields, outermost first, down to the deepest one holding `offset`. */
export function fieldChainAt(fields: readonly FieldView[], offset: number): FieldView[] {
  const chain: FieldView[] = [];
  let level = fields;
  for (;;) {
    const hit = level.find(
      (field) => offset >= field.offset && offset < field.offset + Math.max(field.size, 1),
    );
    if (!hit) return chain;
    chain.push(hit);
    level = hit.children;
  }
}

/** The problem a record is blamed for: the one whose offset falls in it. */
export function problemOfRecord(
  problems: readonly ProblemView[],
  record: RecordView,
): ProblemView | null {
  return (
    problems.find(
      (problem) => problem.offset >= record.offset && problem.offset < record.offset + record.size,
    ) ?? null
  );
}

/** The problem a field is blamed for: same record, and its name is the problem's field. */
export function problemOfField(
  recordProblem: ProblemView | null,
  field: FieldView,
): ProblemView | null {
  if (!recordProblem) return null;
  return recordProblem.field === field.path ? recordProblem : null;
}

/** What {@link visibleRows} needs to know. */
export interface RowInputs {
  readonly tree: ImageTree;
  readonly fields: ReadonlyMap<number, RecordFieldsView>;
  readonly expanded: ReadonlySet<string>;
  readonly problems: readonly ProblemView[];
}

/** The rows of everything expanded, in display order. */
export function visibleRows(inputs: RowInputs): TreeRow[] {
  const rows: TreeRow[] = [];
  const { expanded, fields, problems } = inputs;

  const addFields = (
    record: RecordView,
    list: readonly FieldView[],
    depth: number,
    problem: ProblemView | null,
  ): void => {
    for (const field of list) {
      const key = rowKey.field(record.index, field.path);
      const isOpen = field.children.length === 0 ? null : expanded.has(key);
      rows.push({
        kind: 'field',
        key,
        depth,
        record,
        field,
        expanded: isOpen,
        problem: problemOfField(problem, field),
      });
      if (isOpen) addFields(record, field.children, depth + 1, problem);
    }
  };

  const addRecord = (node: RecordNode, depth: number): void => {
    const { record } = node;
    const key = rowKey.record(record.index);
    const isOpen = expanded.has(key);
    const problem = problemOfRecord(problems, record);
    rows.push({ kind: 'record', key, depth, record, expanded: isOpen, problem });
    if (!isOpen) return;
    const known = fields.get(record.index);
    if (!known) {
      rows.push({
        kind: 'note',
        key: `${key}:loading`,
        depth: depth + 1,
        text: l10n.t('Reading fields…'),
        tone: 'loading',
      });
    } else {
      if (known.error !== null)
        rows.push({
          kind: 'note',
          key: `${key}:error`,
          depth: depth + 1,
          text: `Damaged: ${known.error}`,
          tone: 'error',
        });
      addFields(record, known.fields, depth + 1, problem);
    }
    for (const child of node.children) addRecord(child, depth + 1);
  };

  const addTask = (task: TaskNode, depth: number): void => {
    const isOpen = expanded.has(task.key);
    rows.push({ kind: 'task', key: task.key, depth, task, expanded: isOpen });
    if (!isOpen) return;
    for (const node of task.records) addRecord(node, depth + 1);
    for (const child of task.children) addTask(child, depth + 1);
  };

  for (const node of inputs.tree.leading) addRecord(node, 0);
  for (const task of inputs.tree.tasks) addTask(task, 0);
  for (const node of inputs.tree.trailing) addRecord(node, 0);
  const damage = inputs.tree.damage;
  if (damage) {
    const problem =
      problems.find((p) => p.offset >= damage.offset && p.offset <= damage.offset + damage.size) ??
      null;
    rows.push({ kind: 'damage', key: rowKey.damage, depth: 0, ...damage, problem });
  }
  return rows;
}

/**
 * The keys to expand so that the row for `offset` is shown, and the key of that row: the
 * task, the records above it, the record, and the fields down to the deepest one holding it.
 * Returns null when no record holds the offset (it is in the damaged tail, or past the end).
 */
export function pathToOffset(
  tree: ImageTree,
  records: readonly RecordView[],
  fields: ReadonlyMap<number, RecordFieldsView>,
  offset: number,
): {
  readonly expand: string[];
  readonly target: string;
  readonly range: { offset: number; size: number };
} | null {
  const record = recordAt(records, offset);
  if (!record) {
    const damage = tree.damage;
    if (damage && offset >= damage.offset && offset < damage.offset + damage.size)
      return { expand: [], target: rowKey.damage, range: damage };
    return null;
  }
  const expand: string[] = [];
  const findIn = (nodes: readonly RecordNode[], trail: string[]): string[] | null => {
    for (const node of nodes) {
      if (node.record.index === record.index) return trail;
      const found = findIn(node.children, [...trail, rowKey.record(node.record.index)]);
      if (found) return found;
    }
    return null;
  };
  const findTask = (tasks: readonly TaskNode[], trail: string[]): string[] | null => {
    for (const task of tasks) {
      const inRecords = findIn(task.records, [...trail, task.key]);
      if (inRecords) return inRecords;
      const inChildren = findTask(task.children, [...trail, task.key]);
      if (inChildren) return inChildren;
    }
    return null;
  };
  expand.push(
    ...(findIn(tree.leading, []) ?? findTask(tree.tasks, []) ?? findIn(tree.trailing, []) ?? []),
  );
  const known = fields.get(record.index);
  const chain = known ? fieldChainAt(known.fields, offset) : [];
  const deepest = chain[chain.length - 1];
  if (!deepest) {
    return {
      expand,
      target: rowKey.record(record.index),
      range: { offset: record.offset, size: record.size },
    };
  }
  expand.push(rowKey.record(record.index));
  for (const field of chain.slice(0, -1)) expand.push(rowKey.field(record.index, field.path));
  return {
    expand,
    target: rowKey.field(record.index, deepest.path),
    range: { offset: deepest.offset, size: deepest.size },
  };
}

/** The counts the summary shows, from the record list alone (no payload is read for them). */
export function imageCounts(view: ImageView): { tasks: number; pages: number } {
  let tasks = 0;
  let pages = 0;
  for (const record of view.records) {
    if (record.name === 'TASK') tasks++;
    // A PGARR is 16 bytes of framing, then per page an 8-byte address and 4096 bytes.
    if (record.name === 'PGARR' && record.size > 16) pages += Math.round((record.size - 16) / 4104);
  }
  return { tasks, pages };
}
