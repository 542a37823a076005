import type { RecordView } from '../../../webview/protocol';

/**
 * Records laid end to end from their names, sizes and parents (a task's records have its vpid),
 * as the host's record index describes them to the viewer.
 */
export function records(
  list: readonly [name: string, size: number, parent: number][],
): RecordView[] {
  let offset = 0;
  return list.map(([name, size, parent], index) => {
    const record = { index, name, offset, size, parent };
    offset += size;
    return record;
  });
}
