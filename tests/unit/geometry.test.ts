import { describe, expect, it } from 'vitest';
import { InvalidInputError, isUnscaled, planGeometry, scaleX, scaleY, type InputGeometry } from '../../src/core/index.ts';
import { DEFAULT_DETECT_SETTINGS, resolveDetectOverrides } from '../../src/options/resolve-options.ts';

const size = (width: number, height: number) => ({ width, height });
const plan = (g: InputGeometry) => [g.contentWidth, g.contentHeight, g.inputWidth, g.inputHeight];

describe('planGeometry', () => {
  describe('fixed-size model: letterbox into its size, image at the top-left', () => {
    it('1024x768 into 640x640 → 640x480 content, scale 0.625 both ways', () => {
      const g = planGeometry(size(1024, 768), size(640, 640));
      expect(plan(g)).toEqual([640, 480, 640, 640]);
      expect([scaleX(g), scaleY(g)]).toEqual([0.625, 0.625]);
      expect(g.mirror).toBe(false);
      expect(isUnscaled(g)).toBe(false);
    });

    it('1024x683 → 640x427 (rounded), so the y scale is 427/683', () => {
      const g = planGeometry(size(1024, 683), size(640, 640));
      expect(plan(g)).toEqual([640, 427, 640, 640]);
      expect(scaleY(g)).toBe(427 / 683);
    });

    it('a portrait image fills the height: 500x1000 → 320x640', () => {
      expect(plan(planGeometry(size(500, 1000), size(640, 640)))).toEqual([320, 640, 640, 640]);
    });

    it('a small image is scaled up: 320x240 → 640x480', () => {
      expect(plan(planGeometry(size(320, 240), size(640, 640)))).toEqual([640, 480, 640, 640]);
    });

    it('an image of the model size is unscaled', () => {
      expect(isUnscaled(planGeometry(size(640, 640), size(640, 640)))).toBe(true);
    });

    it('accepts the model size as an explicit request and rejects any other with InvalidInputError', () => {
      expect(plan(planGeometry(size(1024, 768), size(640, 640), { inputSize: size(640, 640) }))).toEqual([640, 480, 640, 640]);
      expect(() => planGeometry(size(1024, 768), size(640, 640), { inputSize: size(1024, 768) })).toThrow(InvalidInputError);
      expect(() => planGeometry(size(1024, 768), size(640, 640), { inputSize: size(1024, 768) })).toThrow(/fixed input of 640x640.*1024x768/);
    });
  });

  describe('dynamic model, native size: pad to a multiple of 32, no resampling', () => {
    it.each([
      [1024, 683, 1024, 704],
      [1024, 768, 1024, 768],
      [1024, 1778, 1024, 1792],
      [1, 1, 32, 32],
      [33, 65, 64, 96],
      [1920, 1280, 1920, 1280],
    ])('%ix%i → tensor %ix%i', (w, h, iw, ih) => {
      const g = planGeometry(size(w, h), null);
      expect(plan(g)).toEqual([w, h, iw, ih]);
      expect(isUnscaled(g)).toBe(true);
      expect([scaleX(g), scaleY(g)]).toEqual([1, 1]);
    });

    it('scales an image above maxInputSize (default 1920x1920) down to fit: 4000x3000 → 1920x1440', () => {
      const g = planGeometry(size(4000, 3000), null);
      expect(plan(g)).toEqual([1920, 1440, 1920, 1440]);
      expect(scaleX(g)).toBe(0.48);
    });

    it('uses the largest multiple of 32 inside maxInputSize: 2000x1000 with max 1000x1000 → 992x496 in 992x512', () => {
      const g = planGeometry(size(2000, 1000), null, { maxInputSize: size(1000, 1000) });
      expect(plan(g)).toEqual([992, 496, 992, 512]);
      expect(g.inputWidth).toBeLessThanOrEqual(1000);
      expect(g.inputHeight).toBeLessThanOrEqual(1000);
    });

    it('leaves an image at exactly the limit unscaled', () => {
      expect(plan(planGeometry(size(1024, 1024), null, { maxInputSize: size(1024, 1024) }))).toEqual([1024, 1024, 1024, 1024]);
    });
  });

  describe('dynamic model, explicit WxH: letterbox into it (rounded up to 32)', () => {
    it('640x640 for a 1024x683 image → 640x427 content', () => {
      expect(plan(planGeometry(size(1024, 683), null, { inputSize: size(640, 640) }))).toEqual([640, 427, 640, 640]);
    });
    it('600x450 is rounded up to a 608x480 tensor', () => {
      expect(plan(planGeometry(size(1024, 768), null, { inputSize: size(600, 450) }))).toEqual([608, 456, 608, 480]);
    });
  });

  it('passes mirror through', () => {
    expect(planGeometry(size(100, 100), null, { mirror: true }).mirror).toBe(true);
    expect(planGeometry(size(100, 100), size(640, 640), { mirror: true }).mirror).toBe(true);
  });

  describe('invalid sizes throw InvalidInputError naming the value', () => {
    it.each([
      [0, 0],
      [0, 480],
      [640, 0],
      [-1, 480],
      [Number.NaN, 480],
      [640.5, 480],
      [Number.POSITIVE_INFINITY, 480],
      [100000, 10],
      [16385, 16385],
    ])('image %sx%s', (w, h) => {
      for (const model of [null, size(640, 640)]) {
        let error: unknown;
        try {
          planGeometry(size(w, h), model);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).code).toBe('INVALID_INPUT');
        expect((error as Error).message).toMatch(/Image (width|height) must be a whole number from 1 to 16384; got/);
        const widthValid = Number.isInteger(w) && w >= 1 && w <= 16384;
        expect((error as Error).message).toContain(`${widthValid ? 'height' : 'width'} must`);
        expect((error as Error).message).toContain(`got ${widthValid ? h : w}.`);
      }
    });

    it('accepts the largest side, 16384', () => {
      expect(plan(planGeometry(size(16384, 8), size(640, 640)))).toEqual([640, 1, 640, 640]);
    });

    it.each([
      [{ inputSize: size(0, 640) }, /Input width/],
      [{ inputSize: size(640, 1e9) }, /Input height/],
      [{ maxInputSize: size(0, 1920) }, /Maximum input width/],
      [{ maxInputSize: size(1920, -32) }, /Maximum input height/],
    ])('option %j (checked where options enter the API, before any geometry is planned)', (options, message) => {
      expect(() => resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, options)).toThrow(InvalidInputError);
      expect(() => resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, options)).toThrow(message);
    });
  });
});
