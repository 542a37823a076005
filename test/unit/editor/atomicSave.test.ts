/**
 * The image editor's save: a temporary file beside the image, renamed over it once whole. A
 * failure at any step leaves the image byte for byte and mode as it was, and no temporary file:
 * tested with failures injected at each step, and with a real full file system and a real
 * read-only one (a tmpfs and a read-only bind mount in a private mount namespace).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  isTemporarySaveName,
  saveAtomicallyInChunks,
  saveAtomicallyInTurns,
  type SaveFileSystem,
  type SaveTurns,
} from '../../../extension/host/atomicSave';
import { nodeSaveFileSystem } from '../../../extension/host/node';

const ROOT = path.join(__dirname, '..', '..', '..');

function workspace(): { dir: string; image: string; original: Uint8Array } {
  const dir = mkdtempSync(path.join(tmpdir(), 'crlab-save-'));
  const image = path.join(dir, 'passwd.crimg');
  const original = Uint8Array.from({ length: 3 * 4096 + 17 }, (_, i) => (i * 7) & 0xff);
  writeFileSync(image, original);
  chmodSync(image, 0o640);
  return { dir, image, original };
}

const replacement = new Uint8Array(3 * 4096 + 17).fill(0xa5);
const reader = (offset: number, length: number): Uint8Array =>
  replacement.subarray(offset, offset + length);

function errno(code: string): Error {
  return Object.assign(new Error(`injected ${code}`), { code });
}

/** The event loop's turns, counted. */
function turnsOf(options: Partial<SaveTurns> = {}): SaveTurns & { count: number } {
  const turns = {
    count: 0,
    budgetMs: 0,
    now: () => performance.now(),
    nextTurn: () =>
      new Promise<void>((resolve) => {
        turns.count++;
        setImmediate(resolve);
      }),
    ...options,
  };
  return turns;
}

/** Saves as the image editor does (between turns, flushed in the background); true once saved. */
function save(
  image: string,
  fs: SaveFileSystem,
  options: Partial<SaveTurns> = {},
  read = reader,
  size = replacement.length,
): Promise<boolean> {
  return saveAtomicallyInTurns(image, size, read, fs, turnsOf(options));
}

/**
 * The real file system, with `step` failing (after `partial` bytes, for `write`); for `fsync`,
 * one without a background flush (the host's, synchronous).
 */
function failing(step: keyof SaveFileSystem, code: string, partial = 0): SaveFileSystem {
  let written = 0;
  if (step === 'fsyncInBackground')
    return { ...nodeSaveFileSystem, fsyncInBackground: () => Promise.reject(errno(code)) };
  const { fsyncInBackground: _background, ...synchronous } = nodeSaveFileSystem;
  return {
    ...(step === 'fsync' ? synchronous : nodeSaveFileSystem),
    [step]: (...args: never[]) => {
      if (step === 'write' && written < partial) {
        const [fd, bytes] = args as unknown as [number, Uint8Array];
        const n = nodeSaveFileSystem.write(
          fd,
          bytes.subarray(0, Math.min(1000, partial - written)),
        );
        written += n;
        return n;
      }
      throw errno(code);
    },
  };
}

function assertUntouched(dir: string, image: string, original: Uint8Array): void {
  assert.deepEqual(new Uint8Array(readFileSync(image)), original, 'the image is as it was');
  assert.equal(statSync(image).mode & 0o777, 0o640, 'its mode is as it was');
  assert.deepEqual(readdirSync(dir), ['passwd.crimg'], 'no temporary file is left');
}

describe('image editor save (atomic)', () => {
  it('replaces the image whole, keeping its mode, and leaves nothing beside it', async () => {
    const { dir, image } = workspace();
    assert.equal(await save(image, nodeSaveFileSystem), true);
    assert.deepEqual(new Uint8Array(readFileSync(image)), replacement);
    assert.equal(statSync(image).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['passwd.crimg']);
  });

  it('writes on through short writes', async () => {
    const { image } = workspace();
    const trickle: SaveFileSystem = {
      ...nodeSaveFileSystem,
      write: (fd, bytes) =>
        nodeSaveFileSystem.write(fd, bytes.subarray(0, 1 + (bytes.length >> 3))),
    };
    assert.equal(await save(image, trickle), true);
    assert.deepEqual(new Uint8Array(readFileSync(image)), replacement);
  });

  const injected: Array<[keyof SaveFileSystem, string, number]> = [
    ['createExclusive', 'EACCES', 0],
    ['write', 'ENOSPC', 0],
    ['write', 'ENOSPC', 5000],
    ['write', 'EIO', 12_000],
    ['fsync', 'EIO', 0],
    ['fsyncInBackground', 'EIO', 0],
    ['close', 'EIO', 0],
    ['rename', 'EXDEV', 0],
  ];
  for (const [step, code, partial] of injected) {
    it(`a failed ${step} (${code}${partial ? ` after ${partial} bytes` : ''}) leaves the image as it was`, async () => {
      const { dir, image, original } = workspace();
      await assert.rejects(
        save(image, failing(step, code, partial)),
        (error: NodeJS.ErrnoException) => error.code === code,
      );
      assertUntouched(dir, image, original);
    });
  }

  it('a cancelled save leaves the image as it was', async () => {
    const { dir, image, original } = workspace();
    assert.equal(await save(image, nodeSaveFileSystem, { cancelled: () => true }), false);
    assertUntouched(dir, image, original);
  });

  const big = Uint8Array.from({ length: 3 * 1024 * 1024 + 4096 }, (_, i) => (i * 13) & 0xff);
  const readBig = (offset: number, length: number): Uint8Array =>
    big.subarray(offset, offset + length);

  it('between turns: the loop turns between chunks, and the rename waits for the background flush', async () => {
    const { dir, image, original } = workspace();
    let flushed: () => void = () => undefined;
    const flushes: number[] = [];
    const slowFlush: SaveFileSystem = {
      ...nodeSaveFileSystem,
      fsync: () => {
        throw new Error('the synchronous fsync was called');
      },
      fsyncInBackground: (fd) => {
        flushes.push(fd);
        return new Promise((resolve) => {
          flushed = resolve;
        });
      },
    };
    const turns = turnsOf();
    const saving = saveAtomicallyInTurns(image, big.length, readBig, slowFlush, turns);
    for (let i = 0; i < 20 && flushes.length === 0; i++)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushes.length, 1, 'the flush started');
    assert.ok(turns.count >= 3, `the loop turned between the 4 chunks (${turns.count} turns)`);
    // The flush lasts as long as it likes: the loop goes on turning, the image is untouched.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(new Uint8Array(readFileSync(image)), original, 'not renamed before the flush');
    assert.equal(readdirSync(dir).length, 2, 'the temporary file waits beside it');
    flushed();
    assert.equal(await saving, true);
    assert.deepEqual(new Uint8Array(readFileSync(image)), big);
    assert.equal(statSync(image).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['passwd.crimg']);
  });

  it('between turns: cancelled while flushing, the image is as it was', async () => {
    const { dir, image, original } = workspace();
    let cancel = false;
    const flushing: SaveFileSystem = {
      ...nodeSaveFileSystem,
      fsyncInBackground: (fd) => {
        cancel = true;
        return nodeSaveFileSystem.fsyncInBackground?.(fd) ?? Promise.resolve();
      },
    };
    const saved = await saveAtomicallyInTurns(image, big.length, readBig, flushing, {
      ...turnsOf(),
      cancelled: () => cancel,
    });
    assert.equal(saved, false);
    assertUntouched(dir, image, original);
  });

  it('in chunks: yields the bytes written, and a return() between chunks leaves the image as it was', () => {
    const cancelled = workspace();
    const chunks = saveAtomicallyInChunks(cancelled.image, big.length, readBig, nodeSaveFileSystem);
    assert.deepEqual(chunks.next().value, { done: 1024 * 1024, total: big.length });
    assert.equal(readdirSync(cancelled.dir).length, 2, 'the temporary file is being written');
    chunks.return();
    assertUntouched(cancelled.dir, cancelled.image, cancelled.original);

    const { dir, image } = workspace();
    const progress = [...saveAtomicallyInChunks(image, big.length, readBig, nodeSaveFileSystem)];
    assert.deepEqual(
      progress.map((step) => step.done),
      [1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024, big.length],
    );
    assert.deepEqual(new Uint8Array(readFileSync(image)), big);
    assert.deepEqual(readdirSync(dir), ['passwd.crimg']);
  });

  it('in chunks without a flush: the same file, and no fsync', () => {
    const { dir, image } = workspace();
    const noFsync: SaveFileSystem = {
      ...nodeSaveFileSystem,
      fsync: () => {
        throw new Error('fsync called');
      },
    };
    for (const _ of saveAtomicallyInChunks(image, replacement.length, reader, noFsync, {
      flush: false,
    }));
    assert.deepEqual(new Uint8Array(readFileSync(image)), replacement);
    assert.deepEqual(readdirSync(dir), ['passwd.crimg']);
    assert.throws(
      () => [...saveAtomicallyInChunks(image, replacement.length, reader, noFsync)],
      /fsync called/,
    );
    assert.deepEqual(readdirSync(dir), ['passwd.crimg'], 'a failed flush leaves no temporary file');
  });

  it('names its temporary files so that they can be recognised', () => {
    assert.ok(isTemporarySaveName('.passwd.crimg.crlab-save-123-4'));
    assert.ok(!isTemporarySaveName('passwd.crimg'));
  });

  /** Runs save-probe.ts on `image` inside a private mount namespace prepared by `setup`. */
  function probeInNamespace(
    setup: string,
    image: string,
  ): { code: string | null; intact: boolean; files: string[] } {
    const probe = path.join(ROOT, 'test', 'unit', 'editor', 'save-probe.ts');
    const script = `set -e\n${setup}\nexec "${process.execPath}" --import tsx "${probe}" "${image}"`;
    // Root needs only a mount namespace; anyone else maps themselves to root in a user one.
    const flags = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
    const result = spawnSync('unshare', [...flags, 'sh', '-c', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(
      result.status,
      0,
      `the probe did not run (unshare and mount are needed for this test): ${result.stderr}`,
    );
    return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
  }

  it('on a full file system: ENOSPC, the image as it was, no temporary file', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'crlab-full-'));
    // 64 KiB holds the 40 000-byte image but not a second copy beside it.
    const outcome = probeInNamespace(
      `mount -t tmpfs -o size=64k tmpfs "${dir}"\nhead -c 40000 /dev/urandom > "${dir}/full.crimg"`,
      `${dir}/full.crimg`,
    );
    assert.deepEqual(outcome, { code: 'ENOSPC', intact: true, files: ['full.crimg'] });
  });

  it('in a read-only folder: EROFS, the image as it was, no temporary file', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'crlab-ro-'));
    writeFileSync(path.join(dir, 'ro.crimg'), new Uint8Array(5000).fill(1));
    const outcome = probeInNamespace(
      `mount --bind "${dir}" "${dir}"\nmount -o remount,bind,ro "${dir}"`,
      `${dir}/ro.crimg`,
    );
    assert.deepEqual(outcome, { code: 'EROFS', intact: true, files: ['ro.crimg'] });
  });
});
