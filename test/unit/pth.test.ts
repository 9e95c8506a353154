import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ForbiddenGlobalError, unpickle } from '../../src/engine/weights/pickle';
import { readTorchStateDict, readTorchStateDictBytes } from '../../src/engine/weights/pth';
import { torchPickleHost } from '../../src/engine/weights/torchGlobals';

/**
 * The .pth reader against torch: test/fixtures/weights/pth was written by make_pth_fixtures.py (zip and
 * legacy formats, every dtype, views into shared storages, wrapped checkpoints, and malicious pickles),
 * and expected.json holds what torch.load returned for each file, as float32 bit patterns.
 */
const DIR = path.join(__dirname, '..', 'fixtures', 'weights', 'pth');

interface ExpectedTensor { key: string; shape: number[]; dtype: string; bits: number[] }
interface Expected {
  marker: string;
  files: Record<string, { tensors?: ExpectedTensor[]; refused?: string }>;
}

async function expected(): Promise<Expected> {
  return JSON.parse(await fs.readFile(path.join(DIR, 'expected.json'), 'utf8')) as Expected;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function assertSameBits(actual: Float32Array, want: number[], what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  const bits = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  for (let i = 0; i < want.length; i++) {
    const wantValue = new Float32Array(new Uint32Array([want[i]]).buffer)[0];
    if (Number.isNaN(wantValue)) assert.ok(Number.isNaN(actual[i]), `${what}[${i}]: ${actual[i]}, torch NaN`);
    else assert.equal(bits[i], want[i], `${what}[${i}]: ${actual[i]}, torch ${wantValue}`);
  }
}

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'cxr-pth-'));
}

describe('.pth state dict reader', () => {
  test('every readable fixture gives torch\'s keys, order, shapes and float32 values', async () => {
    const { files } = await expected();
    const readable = Object.entries(files).filter(([, e]) => e.tensors);
    assert.ok(readable.length >= 9, 'fixtures present');
    const dtypes = new Set<string>();
    for (const [name, { tensors }] of readable) {
      const dict = await readTorchStateDict(path.join(DIR, name));
      assert.deepEqual([...dict.keys()], tensors!.map((t) => t.key), `${name}: keys in file order`);
      for (const t of tensors!) {
        dtypes.add(t.dtype);
        const got = dict.get(t.key)!;
        assert.deepEqual(got.shape, t.shape, `${name} ${t.key}: shape`);
        assert.ok(got.values instanceof Float32Array);
        assertSameBits(got.values, t.bits, `${name} ${t.key}`);
      }
    }
    for (const d of ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'uint8', 'bool']) {
      assert.ok(dtypes.has(d), `fixtures cover ${d}`);
    }
  });

  test('views into one shared storage are read at their own offsets and strides', async () => {
    const dict = await readTorchStateDict(path.join(DIR, 'views_zip.pth'));
    // base = arange(24) * 0.5 - 3; a = base[2:14].view(3, 4); b = base[6:].view(3, 6)
    const base = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    assert.deepEqual(Array.from(dict.get('shared.a')!.values), base.slice(2, 14));
    assert.deepEqual(Array.from(dict.get('shared.b')!.values), base.slice(6));
    // The two share bytes in the file but not arrays in memory: a consumer may modify one.
    dict.get('shared.a')!.values[4] = 99;
    assert.equal(dict.get('shared.b')!.values[0], base[6]);
  });

  test('the in-memory variant reads the same, and names the given file in errors', async () => {
    const file = path.join(DIR, 'tiny_legacy.pth');
    const bytes = await fs.readFile(file);
    const fromBytes = readTorchStateDictBytes(new Uint8Array(bytes), 'upload.pth');
    const fromFile = await readTorchStateDict(file);
    assert.deepEqual([...fromBytes.keys()], [...fromFile.keys()]);
    for (const [k, v] of fromFile) assert.deepEqual(fromBytes.get(k), v);
    assert.throws(() => readTorchStateDictBytes(new Uint8Array(bytes.subarray(0, 500)), 'upload.pth'), /^Error: Cannot read upload\.pth as a PyTorch state dict: .*truncated/);
  });

  test('a re-zipped archive (deflated, another folder name) reads the same', async () => {
    const { unzipSync, zipSync } = await import('fflate');
    const file = path.join(DIR, 'tiny_zip.pth');
    const original = await readTorchStateDict(file);
    const entries = unzipSync(new Uint8Array(await fs.readFile(file)));
    const renamed = Object.fromEntries(Object.entries(entries).map(([n, b]) => [n.replace(/^[^/]+\//, 'resnet18-f37072fd/'), b]));
    const deflated = zipSync(renamed, { level: 6 });
    assert.ok(deflated.length < (await fs.stat(file)).size, 'entries really are compressed');
    assert.deepEqual(readTorchStateDictBytes(deflated, 'rezipped.pth'), original);
  });

  test('malicious pickles are refused by name and their payload never runs', async () => {
    const { marker, files } = await expected();
    const evil = Object.entries(files).filter(([, e]) => e.refused);
    assert.equal(evil.length, 4, 'os.system and builtins.eval, zip and legacy');
    for (const [name, { refused }] of evil) {
      await fs.rm(marker, { force: true });
      const file = path.join(DIR, name);
      await assert.rejects(readTorchStateDict(file), new RegExp(
        `^Error: Refusing to load ${escape(file)}: its pickle references '${escape(refused!)}', which a state dict never needs \\(only tensors and OrderedDict are allowed\\)\\.$`,
      ));
      assert.equal(existsSync(marker), false, `${name} created ${marker}`);
    }
  });

  test('only OrderedDict, the tensor rebuilders and storage classes resolve', () => {
    const host = torchPickleHost(new Map());
    const global = (module: string, name: string): Uint8Array =>
      new Uint8Array(Buffer.from(`\x80\x02c${module}\n${name}\n.`, 'latin1'));
    for (const [module, name] of [['collections', 'OrderedDict'], ['torch._utils', '_rebuild_tensor_v2'], ['torch', 'HalfStorage']]) {
      assert.doesNotThrow(() => unpickle(global(module, name), host), `${module}.${name}`);
    }
    const refused = [['torch.storage', '_load_from_bytes'], ['subprocess', 'Popen'], ['builtins', 'getattr'], ['torch', 'load'], ['torch._utils', 'constructor']];
    for (const [module, name] of refused) {
      assert.throws(() => unpickle(global(module, name), host), (err: unknown) =>
        err instanceof ForbiddenGlobalError && err.qualifiedName === `${module}.${name}`);
    }
    // STACK_GLOBAL goes through the same list (protocol 4).
    const stackGlobal = new Uint8Array([0x80, 0x04, 0x8c, 2, ...Buffer.from('os'), 0x8c, 6, ...Buffer.from('system'), 0x93, 0x2e]);
    assert.throws(() => unpickle(stackGlobal, host), (err: unknown) => err instanceof ForbiddenGlobalError && err.qualifiedName === 'os.system');
    // REDUCE applies only allow-listed callables, and object-building opcodes are refused outright.
    assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x4b, 1, 0x29, 0x52, 0x2e]), host), /calls a number, which is not an allowed callable/);
    assert.throws(() => unpickle(new Uint8Array([0x80, 0x02, 0x5d, 0x29, 0x81, 0x2e]), host), /unsupported pickle opcode NEWOBJ/);
  });

  test('checkpoints that are not one state dict are errors naming the file', async () => {
    const ambiguous = path.join(DIR, 'ambiguous_zip.pth');
    await assert.rejects(readTorchStateDict(ambiguous), new RegExp(`^Error: Cannot read ${escape(ambiguous)} .*both 'state_dict' and 'model'`));
    const notDict = path.join(DIR, 'not_state_dict_zip.pth');
    await assert.rejects(readTorchStateDict(notDict), new RegExp(`^Error: Cannot read ${escape(notDict)} .*'epoch' is not a tensor`));
  });

  test('a file cut anywhere is an error naming it, never a partial dict', async () => {
    const dir = await tmpDir();
    for (const name of ['tiny_zip.pth', 'tiny_legacy.pth']) {
      const bytes = await fs.readFile(path.join(DIR, name));
      const cut = path.join(dir, `cut-${name}`);
      for (let length = 1; length < bytes.length; length += 13) {
        await fs.writeFile(cut, bytes.subarray(0, length));
        await assert.rejects(readTorchStateDict(cut), new RegExp(`^Error: Cannot read ${escape(cut)} as a PyTorch state dict: `), `${name} cut at ${length}`);
      }
    }
    await fs.rm(dir, { recursive: true });
  });

  test('a file that is not a .pth is a clear error naming it', async () => {
    const dir = await tmpDir();
    const cases: [string, Uint8Array, RegExp][] = [
      ['text.pth', new Uint8Array(Buffer.from('not weights at all')), /neither a zip archive nor a pickle/],
      ['plain-pickle.pth', new Uint8Array([0x80, 0x02, 0x7d, 0x2e]), /without torch's magic number/],
      ['garbage-pickle.pth', new Uint8Array([0x80, 0x02, 0xff, 0x2e]), /unknown pickle opcode 0xff/],
      ['empty.pth', new Uint8Array(0), /neither a zip archive nor a pickle/],
    ];
    for (const [name, bytes, reason] of cases) {
      const file = path.join(dir, name);
      await fs.writeFile(file, bytes);
      await assert.rejects(readTorchStateDict(file), (err: Error) => {
        assert.match(err.message, new RegExp(`^Cannot read ${escape(file)} as a PyTorch state dict: `));
        assert.match(err.message, reason);
        return true;
      });
    }
    // A zip that torch did not write (no data.pkl).
    const { zipSync } = await import('fflate');
    const zip = path.join(dir, 'other.zip');
    await fs.writeFile(zip, zipSync({ 'readme.txt': new Uint8Array(Buffer.from('hello')) }));
    await assert.rejects(readTorchStateDict(zip), /other\.zip .*has no data\.pkl/);
    await assert.rejects(readTorchStateDict(path.join(dir, 'absent.pth')), /Cannot open weights file .*absent\.pth: no such file/);
    await fs.rm(dir, { recursive: true });
  });
});
