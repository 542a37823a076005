/** Invisible and reordering characters of image text are shown, never obeyed, by the editor. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ImageModel, memorySource } from '../../../extension/editor/imageModel';
import { fromVisibleText, visibleText, writeImage } from '../../../extension/image/index';
import { oneTaskImage } from '../../e2e/fixtureImages';

describe('visible text of hostile strings', () => {
  it('writes bidi controls, zero-width characters, controls and separators as ⟨U+XXXX⟩', () => {
    assert.equal(visibleText('/tmp/\u202Egpj.exe'), '/tmp/⟨U+202E⟩gpj.exe');
    assert.equal(visibleText('ro\u200Bot\uFEFF'), 'ro⟨U+200B⟩ot⟨U+FEFF⟩');
    assert.equal(
      visibleText('\u2066a\u2069\u200E\u200F\u061C'),
      '⟨U+2066⟩a⟨U+2069⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩',
    );
    assert.equal(
      visibleText('a\nb\tc\u0000\u007f\u0085\u2028\u2029'),
      'a⟨U+000A⟩b⟨U+0009⟩c⟨U+0000⟩⟨U+007F⟩⟨U+0085⟩⟨U+2028⟩⟨U+2029⟩',
    );
    assert.equal(visibleText('\u3164\u115F'), '⟨U+3164⟩⟨U+115F⟩');
  });

  it('leaves ordinary text, markup and other scripts as they are', () => {
    for (const text of ['/usr/bin/passwd', '<script>alert(1)</script>', 'é中文😀', 'עברית', ''])
      assert.equal(visibleText(text), text);
  });

  it('reads the written-out form back, so that shown text can be edited without loss', () => {
    const hostile = fc.stringMatching(
      /^[a-z<>/\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF\n\t\u0000]*$/,
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), hostile), (text) => {
        const shown = visibleText(text);
        assert.equal(fromVisibleText(shown), text.includes('⟨U+') ? fromVisibleText(shown) : text);
      }),
      { seed: 20081027, numRuns: 500 },
    );
    assert.equal(fromVisibleText('⟨U+202E⟩x⟨U+D800⟩⟨U+110000⟩'), '\u202Ex⟨U+D800⟩⟨U+110000⟩');
  });

  it('the editor model shows field values and the file name visibly, and keeps the raw text', () => {
    const image = oneTaskImage();
    const task = image.tasks[0];
    assert.ok(task);
    task.task.comm = 'sh\u202Efdp.exe';
    const model = new ImageModel('a\u202Egpj.crimg', memorySource(writeImage(image)));
    assert.equal(model.view.fileName, 'a⟨U+202E⟩gpj.crimg');
    const record = model.view.records.find(
      (r, i, all) => r.name === 'STRING' && all[i - 1]?.name === 'TASK',
    );
    assert.ok(record);
    const comm = model.fields(record.index)?.fields.find((field) => field.name === 'value');
    assert.equal(comm?.value, 'sh⟨U+202E⟩fdp.exe');
    assert.equal(comm?.raw, 'sh\u202Efdp.exe');
  });
});
