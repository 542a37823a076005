import type { FieldView, ImageView, ProblemView, RecordView } from '../../webview/protocol';
import { PAGE_SIZE, RecordType } from '../image/model';

const headerSize = 8;
const pgarrType = RecordType.PGARR;
const recordNames = new Map<number, string>(
  Object.entries(RecordType).map(([name, type]) => [type, name]),
);

function leaf(name: string, offset: number, size: number, value: string): FieldView {
  return { name, offset, size, value, children: [] };
}

/**
 * Builds the editor's view of an image from its record framing: every record's header fields,
 * and where the framing breaks, a problem naming the offset. Never throws: a truncated or
 * hostile file yields the records that parsed plus the problem.
 */
export function buildImageView(fileName: string, bytes: Uint8Array): ImageView {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: RecordView[] = [];
  const problems: ProblemView[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (bytes.byteLength - offset < headerSize) {
      problems.push({
        offset,
        field: 'hdr',
        errno: 'EPIPE',
        message: 'the image ends inside a record header',
      });
      break;
    }
    const type = data.getInt16(offset, true);
    const len = data.getInt16(offset + 2, true);
    const parent = data.getUint32(offset + 4, true);
    const name = recordNames.get(type) ?? `type ${type}`;
    if (len < 0) {
      problems.push({
        offset: offset + 2,
        field: 'hdr.len',
        errno: 'EINVAL',
        message: `negative length ${len}`,
      });
      break;
    }
    const fields: FieldView[] = [
      leaf('type', offset, 2, `${type} (${name})`),
      leaf('len', offset + 2, 2, String(len)),
      leaf('parent', offset + 4, 4, String(parent)),
    ];
    let size = headerSize + len;
    if (offset + size <= bytes.byteLength && type === pgarrType && len === 8) {
      const pages = Number(data.getBigUint64(offset + headerSize, true));
      fields.push(leaf('nr_pages', offset + headerSize, 8, String(pages)));
      // The page addresses and contents follow the record, outside its framing.
      size += pages * (8 + PAGE_SIZE);
    }
    if (offset + size > bytes.byteLength) {
      const message = `the image ends inside this ${name} record`;
      problems.push({ offset, field: name, errno: 'EPIPE', message });
      const truncatedSize = bytes.byteLength - offset;
      records.push({ index: records.length, name, offset, size: truncatedSize, parent, fields });
      break;
    }
    if (!recordNames.has(type)) {
      const message = `unknown record type ${type}`;
      problems.push({ offset, field: 'hdr.type', errno: 'EINVAL', message });
    }
    records.push({ index: records.length, name, offset, size, parent, fields });
    offset += size;
  }
  const lastName = records.at(-1)?.name;
  // A complete image ends with TAIL; a failed checkpoint ends with ERROR and its STRING.
  if (problems.length === 0 && lastName !== 'TAIL' && lastName !== 'STRING') {
    const message = 'the image ends without a TAIL record';
    problems.push({ offset, field: 'TAIL', errno: 'EPIPE', message });
  }
  return { fileName, byteLength: bytes.byteLength, records, problems };
}
