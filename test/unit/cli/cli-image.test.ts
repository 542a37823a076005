import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImage } from '../../../extension/image/index';
import { sampleImage } from '../image/fixtures';
import { ROOT, buildCli, crlab, oneLine, scratchDir } from './run-crlab';

const IMAGES = join(ROOT, 'examples', 'images');
const image = (name: string): string => join(IMAGES, name);

describe('crlab image', function () {
  this.timeout(120_000);
  let scratch = '';
  let truncated = '';
  before(() => {
    buildCli();
    scratch = scratchDir();
    // A malformed image: the counter image cut in the middle of its page data.
    truncated = join(scratch, 'truncated.crimg');
    writeFileSync(truncated, readFileSync(image('counter.crimg')).subarray(0, 1500));
  });

  describe('show', () => {
    it('lists records and fields with offsets, sizes, types and enum/flag names', () => {
      const result = crlab(['image', 'show', image('counter.crimg')]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^\s+0x0\s+HEAD\s+len 224\s+parent 0$/m);
      assert.match(result.stdout, /HEAD\.flags\s+u64\s+8\s+CKPT \| SUBTREE$/m);
      assert.match(result.stdout, /CRED\.euid\s+u32\s+4\s+500$/m);
      assert.match(result.stdout, /TASK\.state\s+enum TaskState\s+4\s+FROZEN \(8\)$/m);
    });

    it('--json gives every field with offset, size, type and value', () => {
      const result = crlab(['image', 'show', image('counter.crimg'), '--json']);
      assert.equal(result.status, 0);
      const json = JSON.parse(result.stdout) as {
        valid: boolean;
        records: {
          offset: number;
          record: string;
          fields: { field: string; offset: number; size: number; type: string; value: unknown }[];
        }[];
      };
      assert.equal(json.valid, true);
      assert.deepEqual(
        json.records[0]?.fields.find((f) => f.field === 'HEAD.machine'),
        {
          field: 'HEAD.machine',
          type: 'char[64]',
          offset: 0xa8,
          size: 64,
          value: 'lab64',
          display: 'lab64',
        },
      );
      assert.equal(json.records.at(-1)?.record, 'TAIL');
    });

    it('--pages adds hexdumps, --tree the task tree', () => {
      const pages = crlab(['image', 'show', image('counter.crimg'), '--pages']);
      assert.match(pages.stdout, /^\s+000000600000  03 00 00 00 00 00 00 00 /m);
      const tree = crlab(['image', 'show', image('dup-shared-file.crimg'), '--tree']);
      assert.match(
        tree.stdout,
        /fd 3 -> \/tmp\/log O_RDWR \| O_CREAT \| O_TRUNC pos 8 \(objref 2\)/,
      );
      assert.match(
        tree.stdout,
        /fd 4 -> \/tmp\/log O_RDWR \| O_CREAT \| O_TRUNC pos 8 \(objref 2\)/,
      );
      assert.match(tree.stdout, /uid 500\/500\/500\/500/);
    });

    it('shows what parses of a malformed image, then one error line and exit 1', () => {
      const result = crlab(['image', 'show', truncated]);
      assert.equal(result.status, 1);
      assert.match(result.stdout, /HEAD/);
      assert.match(oneLine(result.stderr), /truncated\.crimg: EPIPE at 0x[0-9a-f]+ \(\S+\): /);
    });
  });

  describe('decode and encode', () => {
    const names = readdirSync(IMAGES).filter((name) => name.endsWith('.crimg'));

    it('round-trips every example image byte for byte', () => {
      assert.ok(names.length >= 8, names.join(', '));
      for (const name of names) {
        const json = join(scratch, `${name}.json`);
        const back = join(scratch, `${name}.back`);
        assert.equal(crlab(['image', 'decode', image(name), '-o', json]).status, 0, name);
        const encoded = crlab(['image', 'encode', json, '-o', back]);
        assert.equal(encoded.status, 0, encoded.stderr);
        assert.ok(readFileSync(back).equals(readFileSync(image(name))), `${name} changed`);
      }
    });

    it('round-trips a comm that starts with U+FEFF byte for byte', () => {
      const source = sampleImage();
      const task = source.tasks[0];
      assert.ok(task);
      task.task.comm = '\uFEFFcounter';
      const original = join(scratch, 'bom.crimg');
      writeFileSync(original, writeImage(source));
      const json = join(scratch, 'bom.json');
      const back = join(scratch, 'bom.back');
      assert.equal(crlab(['image', 'decode', original, '-o', json]).status, 0);
      assert.match(readFileSync(json, 'utf8'), /"\uFEFFcounter"/);
      const encoded = crlab(['image', 'encode', json, '-o', back]);
      assert.equal(encoded.status, 0, encoded.stderr);
      assert.ok(readFileSync(back).equals(readFileSync(original)));
    });

    it('decodes to records of typed fields', () => {
      const result = crlab(['image', 'decode', image('passwd-signed.crimg')]);
      const json = JSON.parse(result.stdout) as {
        format: string;
        version: number;
        records: {
          record: string;
          fields: {
            field: string;
            type: string;
            size: number;
            value: unknown;
            encoding?: string;
          }[];
        }[];
      };
      assert.equal(json.format, 'crlab-image-json');
      assert.equal(json.version, 1);
      const sign = json.records.find((r) => r.record === 'SIGN');
      assert.deepEqual(
        sign?.fields.find((f) => f.field === 'SIGN.key_id'),
        { field: 'SIGN.key_id', type: 'char[7]', size: 7, value: 'machine' },
      );
      assert.equal(sign?.fields.find((f) => f.field === 'SIGN.sig')?.encoding, 'hex');
    });

    it('encode refuses what restart would refuse as malformed, with offset and field (exit 1)', () => {
      const decoded = JSON.parse(crlab(['image', 'decode', image('counter.crimg')]).stdout) as {
        records: { record: string; fields: { field: string; value: unknown }[] }[];
      };
      const mm = decoded.records.find((r) => r.record === 'MM');
      const count = mm?.fields.find((f) => f.field === 'MM.map_count');
      assert.ok(count);
      count.value = 1000;
      const json = join(scratch, 'bad-count.json');
      writeFileSync(json, JSON.stringify(decoded));
      const result = crlab(['image', 'encode', json, '-o', join(scratch, 'bad.crimg')]);
      assert.equal(result.status, 1);
      assert.match(
        oneLine(result.stderr),
        /refused, the image would be malformed: EINVAL at 0x[0-9a-f]+ \(MM\.map_count\)/,
      );
    });

    it('encode exits 2 on input that is not the decode shape', () => {
      const json = join(scratch, 'not-json.json');
      writeFileSync(json, '{"format": "something else"');
      assert.equal(crlab(['image', 'encode', json, '-o', join(scratch, 'x.crimg')]).status, 2);
      writeFileSync(json, '{"format": "something else"}');
      const result = crlab(['image', 'encode', json, '-o', join(scratch, 'x.crimg')]);
      assert.equal(result.status, 2);
      assert.match(oneLine(result.stderr), /"format" must be "crlab-image-json"/);
    });

    it('decode refuses a malformed image with one line (exit 1)', () => {
      const result = crlab(['image', 'decode', truncated]);
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.match(oneLine(result.stderr), /EPIPE at 0x/);
    });
  });

  describe('verify', () => {
    const verify = (
      ...args: string[]
    ): { status: number | null; json: Record<string, unknown> } => {
      const result = crlab(['image', 'verify', ...args, '--json']);
      return { status: result.status, json: JSON.parse(result.stdout) as Record<string, unknown> };
    };

    it('accepts a valid unsigned image and a signed one that verifies with the machine key', () => {
      assert.deepEqual(verify(image('counter.crimg')), {
        status: 0,
        json: { valid: true, errno: null, offset: null, field: null, message: null, signed: false },
      });
      assert.deepEqual(verify(image('counter-signed.crimg')).json.signed, true);
      assert.equal(verify(image('counter-signed.crimg')).status, 0);
      const text = crlab(['image', 'verify', image('counter-signed.crimg')]);
      assert.match(text.stdout, /valid, signature verified/);
    });

    it('rejects the tampered twin with EBADMSG at the SIGN record', () => {
      const { status, json } = verify(image('counter-signed-tampered.crimg'));
      assert.equal(status, 1);
      assert.equal(json.valid, false);
      assert.equal(json.errno, 'EBADMSG');
      assert.equal(json.field, 'SIGN.sig');
      assert.equal(typeof json.offset, 'number');
      assert.equal(json.signed, true);
    });

    it('uses --key instead of the machine key', () => {
      const other = Buffer.from('another-key').toString('hex');
      assert.equal(verify(image('counter-signed.crimg'), '--key', other).status, 1);
      const machine = Buffer.from('crlab-default-machine-key').toString('hex');
      assert.equal(verify(image('counter-signed.crimg'), '--key', machine).status, 0);
      const bad = crlab(['image', 'verify', image('counter.crimg'), '--key', 'xyz']);
      assert.equal(bad.status, 2);
    });

    it('reports errno, offset, field and message of a malformed image (exit 1)', () => {
      const { status, json } = verify(truncated);
      assert.equal(status, 1);
      assert.equal(json.errno, 'EPIPE');
      assert.equal(typeof json.offset, 'number');
      assert.equal(typeof json.field, 'string');
      assert.equal(typeof json.message, 'string');
      const text = crlab(['image', 'verify', truncated]);
      assert.equal(text.status, 1);
      assert.match(oneLine(text.stderr), /truncated\.crimg: EPIPE at 0x[0-9a-f]+ \(\S+\): \S/);
    });
  });

  describe('diff', () => {
    it('exits 0 for identical images', () => {
      const result = crlab([
        'image',
        'diff',
        image('counter.crimg'),
        image('counter.crimg'),
        '--json',
      ]);
      assert.equal(result.status, 0);
      assert.deepEqual(JSON.parse(result.stdout), { same: true, differences: [] });
    });

    it('names credentials, signature and pages that differ (exit 1)', () => {
      const result = crlab([
        'image',
        'diff',
        image('counter-signed.crimg'),
        image('counter-signed-tampered.crimg'),
        '--json',
      ]);
      assert.equal(result.status, 1);
      const json = JSON.parse(result.stdout) as {
        same: boolean;
        differences: { path: string; a: unknown; b: unknown }[];
      };
      assert.equal(json.same, false);
      assert.deepEqual(
        json.differences.find((d) => d.path.endsWith('cred.euid')),
        {
          path: json.differences.find((d) => d.path.endsWith('cred.euid'))?.path,
          a: 500,
          b: 0,
        },
      );
      const pages = crlab(['image', 'diff', image('counter.crimg'), image('counter-signed.crimg')]);
      assert.equal(pages.status, 1);
      assert.match(pages.stdout, /^head\.flags: 3 -> 11$/m);
    });

    it('exits 2 with one line when an input is malformed', () => {
      const result = crlab(['image', 'diff', image('counter.crimg'), truncated]);
      assert.equal(result.status, 2);
      assert.match(oneLine(result.stderr), /truncated\.crimg: EPIPE/);
    });
  });
});
