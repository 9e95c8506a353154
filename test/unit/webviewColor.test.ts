import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { blend, contrastRatio, luminance, mostReadable, parseColor, withAlpha } from '../../src/webview/common/color';

test('parses the colour forms VS Code theme variables use', () => {
  assert.deepEqual(parseColor('#3794ff'), { r: 0x37, g: 0x94, b: 0xff, a: 1 });
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColor('#ffffff80'), { r: 255, g: 255, b: 255, a: 128 / 255 });
  assert.deepEqual(parseColor('rgb(10, 20, 30)'), { r: 10, g: 20, b: 30, a: 1 });
  assert.deepEqual(parseColor('rgba(10, 20, 30, 0.25)'), { r: 10, g: 20, b: 30, a: 0.25 });
  assert.deepEqual(parseColor('rgb(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.equal(parseColor('var(--x)'), null);
  assert.equal(parseColor('#12345'), null);
});

test('withAlpha scales the alpha, clamps it, and falls back to color-mix for unknown colours', () => {
  assert.equal(withAlpha('#3794ff', 0.5), 'rgba(55, 148, 255, 0.5)');
  assert.equal(withAlpha('#3794ff80', 0.5), `rgba(55, 148, 255, ${Number((128 / 255 / 2).toFixed(3))})`);
  assert.equal(withAlpha('#000', 2), 'rgba(0, 0, 0, 1)');
  assert.equal(withAlpha('#000', NaN), 'rgba(0, 0, 0, 0)');
  assert.equal(withAlpha('red', 0.3), 'color-mix(in srgb, red 30%, transparent)');
});

test('blend, luminance and contrast follow their definitions', () => {
  const mid = blend({ r: 255, g: 0, b: 0, a: 0.5 }, { r: 0, g: 0, b: 255, a: 1 });
  assert.deepEqual(mid, { r: 127.5, g: 0, b: 127.5, a: 1 });
  assert.equal(luminance({ r: 0, g: 0, b: 0, a: 1 }), 0);
  assert.ok(Math.abs(luminance({ r: 255, g: 255, b: 255, a: 1 }) - 1) < 1e-9);
  assert.ok(Math.abs(contrastRatio({ r: 0, g: 0, b: 0, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }) - 21) < 1e-9);
});

test('mostReadable picks the theme colour with more contrast on a cell', () => {
  const darkCell = parseColor('#0b2a4a')!;
  const lightCell = parseColor('#cfe6ff')!;
  assert.equal(mostReadable(darkCell, ['#3b3b3b', '#ffffff']), '#ffffff');
  assert.equal(mostReadable(lightCell, ['#cccccc', '#1f1f1f']), '#1f1f1f');
  assert.equal(mostReadable(lightCell, ['nonsense', '#000000']), '#000000');
});
